import test from 'ava';
import {type MisfirePolicy, parseSchedule, planMaterialization, type ScheduleInput} from '../../src/scheduler/index.ts';

type Case = {
  readonly horizon?: number;
  readonly lastSlot: string | null;
  readonly misfire?: MisfirePolicy;
  readonly now: string;
  readonly schedule: ScheduleInput;
};

type Outcome = {
  /** Each job as `scheduledFor` (runAt is the same), with `×n` when it stands for n slots. */
  readonly jobs: readonly string[];
  readonly lastSlot: string | null;
  readonly nextRunAt: string | null;
};

const second = '* * * * * *';
const minute = '* * * * *';
const time = (clock: string): string => `2026-01-01T${clock}.000Z`;
const iso = (value: number | null) => value === null ? null : new Date(value).toISOString();

const cases: Array<[string, Case, Outcome]> = [
  ['no horizon: the due slot and the next one, made in advance', {lastSlot: time('10:00:00'), now: time('10:01:00'), schedule: minute}, {
    jobs: [time('10:01:00'), time('10:02:00')],
    lastSlot: time('10:01:00'),
    nextRunAt: time('10:02:00'),
  }],
  ['a horizon with no slot in it changes nothing', {horizon: 3_000, lastSlot: time('10:00:00'), now: time('10:01:00'), schedule: minute}, {
    jobs: [time('10:01:00'), time('10:02:00')],
    lastSlot: time('10:01:00'),
    nextRunAt: time('10:02:00'),
  }],
  ['slots within the horizon get a job each and move the last slot on', {horizon: 3_000, lastSlot: time('10:00:00'), now: time('10:00:00'), schedule: second}, {
    jobs: [time('10:00:01'), time('10:00:02'), time('10:00:03'), time('10:00:04')],
    lastSlot: time('10:00:03'),
    nextRunAt: time('10:00:04'),
  }],
  ['under misfire once, missed slots make one job; slots ahead are not merged into it', {horizon: 2_000, lastSlot: time('10:00:00'), now: time('10:00:03'), schedule: second}, {
    jobs: [`${time('10:00:01')}×3`, time('10:00:04'), time('10:00:05'), time('10:00:06')],
    lastSlot: time('10:00:05'),
    nextRunAt: time('10:00:06'),
  }],
  ['a one-shot within the horizon: its job, then no more slots', {horizon: 3_000, lastSlot: null, now: time('10:00:00'), schedule: {date: time('10:00:02')}}, {
    jobs: [time('10:00:02')],
    lastSlot: time('10:00:02'),
    nextRunAt: null,
  }],
];

for (const [title, input, expected] of cases) {
  test(`planMaterialization: ${title}`, (t) => {
    const plan = planMaterialization({
      horizon: input.horizon,
      now: Date.parse(input.now),
      task: {
        createdAt: Date.parse(time('09:00:00')),
        lastSlot: input.lastSlot === null ? null : Date.parse(input.lastSlot),
        misfire: input.misfire ?? 'once',
        schedule: parseSchedule({schedule: input.schedule}),
      },
    });

    t.deepEqual({
      jobs: plan.jobs.map((job) => `${iso(job.scheduledFor) ?? ''}${job.slotCount > 1 ? `×${job.slotCount}` : ''}`),
      lastSlot: iso(plan.lastSlot),
      nextRunAt: iso(plan.nextRunAt),
    }, expected);
    t.true(plan.jobs.every((job) => job.runAt === job.scheduledFor));
  });
}
