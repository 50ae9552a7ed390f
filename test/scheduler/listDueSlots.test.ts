import test from 'ava';
import {listDueSlots, type ListDueSlotsConfiguration, parseSchedule, type ScheduleInput} from '../../src/scheduler/index.ts';

type Case = {
  readonly createdAt?: string;
  readonly lastSlot: string | null;
  readonly limit?: number;
  readonly misfire?: ListDueSlotsConfiguration['misfire'];
  readonly misfireThreshold?: number;
  readonly now: string;
  readonly schedule: ScheduleInput;
};

type Outcome = {
  /** Each job as `scheduledFor` and, when it stands for more, `…slots`, `through`, `truncated`. */
  readonly jobs: ReadonlyArray<string | {readonly scheduledFor: string; readonly slots: readonly string[]; readonly through: string; readonly truncated: boolean}>;
  readonly lastSlot: string | null;
  readonly nextRun: string | null;
  readonly skipped?: {readonly from: string; readonly through: string};
};

const minute = '* * * * *';
const second = '* * * * * *';
const time = (clock: string): string => `2026-01-01T${clock}.000Z`;

const cases: Array<[string, Case, Outcome]> = [
  ['nothing due yet', {lastSlot: time('10:00:00'), now: time('10:00:30'), schedule: minute}, {jobs: [], lastSlot: time('10:00:00'), nextRun: time('10:01:00')}],
  ['one slot due, on time: every policy runs it (once)', {lastSlot: time('10:00:00'), now: time('10:01:00'), schedule: minute}, {jobs: [time('10:01:00')], lastSlot: time('10:01:00'), nextRun: time('10:02:00')}],
  ['one slot due, on time (all)', {lastSlot: time('10:00:00'), misfire: 'all', now: time('10:01:00'), schedule: minute}, {jobs: [time('10:01:00')], lastSlot: time('10:01:00'), nextRun: time('10:02:00')}],
  ['one slot due, 30 s late (skip, within the threshold)', {lastSlot: time('10:00:00'), misfire: 'skip', now: time('10:01:30'), schedule: minute}, {jobs: [time('10:01:00')], lastSlot: time('10:01:00'), nextRun: time('10:02:00')}],
  ['a new task counts from its creation', {createdAt: time('10:00:30'), lastSlot: null, now: time('10:01:10'), schedule: minute}, {jobs: [time('10:01:00')], lastSlot: time('10:01:00'), nextRun: time('10:02:00')}],
  ['a new task before its first slot', {createdAt: time('10:00:30'), lastSlot: null, now: time('10:00:40'), schedule: minute}, {jobs: [], lastSlot: null, nextRun: time('10:01:00')}],
  // Downtime across three minute slots (10:01, 10:02, 10:03), back at 10:03:20.
  ['once: one job keyed by the oldest missed slot, standing for all', {lastSlot: time('10:00:00'), now: time('10:03:20'), schedule: minute}, {
    jobs: [{scheduledFor: time('10:01:00'), slots: [time('10:01:00'), time('10:02:00'), time('10:03:00')], through: time('10:03:00'), truncated: false}],
    lastSlot: time('10:03:00'),
    nextRun: time('10:04:00'),
  }],
  ['once: the listed slots stop at limit, `through` does not', {limit: 2, lastSlot: time('10:00:00'), now: time('10:03:20'), schedule: minute}, {
    jobs: [{scheduledFor: time('10:01:00'), slots: [time('10:01:00'), time('10:02:00')], through: time('10:03:00'), truncated: true}],
    lastSlot: time('10:03:00'),
    nextRun: time('10:04:00'),
  }],
  ['all: every missed slot, oldest first', {lastSlot: time('10:00:00'), misfire: 'all', now: time('10:03:20'), schedule: minute}, {jobs: [time('10:01:00'), time('10:02:00'), time('10:03:00')], lastSlot: time('10:03:00'), nextRun: time('10:04:00')}],
  ['all: at most limit, then nextRun is already due (call again)', {limit: 2, lastSlot: time('10:00:00'), misfire: 'all', now: time('10:03:20'), schedule: minute}, {jobs: [time('10:01:00'), time('10:02:00')], lastSlot: time('10:02:00'), nextRun: time('10:03:00')}],
  ['all: the call after continues where the limit stopped', {limit: 2, lastSlot: time('10:02:00'), misfire: 'all', now: time('10:03:20'), schedule: minute}, {jobs: [time('10:03:00')], lastSlot: time('10:03:00'), nextRun: time('10:04:00')}],
  ['skip: the slots more than a minute late are dropped, the recent one runs', {lastSlot: time('10:00:00'), misfire: 'skip', now: time('10:03:20'), schedule: minute}, {
    jobs: [time('10:03:00')],
    lastSlot: time('10:03:00'),
    nextRun: time('10:04:00'),
    skipped: {from: time('10:01:00'), through: time('10:02:00')},
  }],
  ['skip: nothing recent enough, only the future', {lastSlot: time('10:00:00'), misfire: 'skip', misfireThreshold: 10_000, now: time('10:03:20'), schedule: minute}, {
    jobs: [],
    lastSlot: time('10:03:00'),
    nextRun: time('10:04:00'),
    skipped: {from: time('10:01:00'), through: time('10:03:00')},
  }],
  ['skip: a slot exactly misfireThreshold late still runs', {lastSlot: time('10:00:00'), misfire: 'skip', misfireThreshold: 20_000, now: time('10:03:20'), schedule: minute}, {
    jobs: [time('10:03:00')],
    lastSlot: time('10:03:00'),
    nextRun: time('10:04:00'),
    skipped: {from: time('10:01:00'), through: time('10:02:00')},
  }],
  ['skip with a 6-field cron: a 2 s stall loses nothing within the threshold', {lastSlot: time('10:00:00'), misfire: 'skip', now: time('10:00:02'), schedule: second}, {jobs: [time('10:00:01'), time('10:00:02')], lastSlot: time('10:00:02'), nextRun: time('10:00:03')}],
  ['once with a 6-field cron after 5 s', {lastSlot: time('10:00:00'), now: time('10:00:05'), schedule: second}, {
    jobs: [{scheduledFor: time('10:00:01'), slots: [1, 2, 3, 4, 5].map((s) => time(`10:00:0${s}`)), through: time('10:00:05'), truncated: false}],
    lastSlot: time('10:00:05'),
    nextRun: time('10:00:06'),
  }],
  // Intervals and one-shots.
  ['an interval (all)', {lastSlot: time('10:00:00'), misfire: 'all', now: time('10:31:00'), schedule: '15m'}, {jobs: [time('10:15:00'), time('10:30:00')], lastSlot: time('10:30:00'), nextRun: time('10:45:00')}],
  ['a one-shot created after its date runs at once', {createdAt: time('10:00:00'), lastSlot: null, now: time('10:00:00'), schedule: {date: time('09:00:00')}}, {jobs: [time('09:00:00')], lastSlot: time('09:00:00'), nextRun: null}],
  ['a one-shot created after its date, skip: dropped', {createdAt: time('10:00:00'), lastSlot: null, misfire: 'skip', now: time('10:00:00'), schedule: {date: time('09:00:00')}}, {jobs: [], lastSlot: time('09:00:00'), nextRun: null, skipped: {from: time('09:00:00'), through: time('09:00:00')}}],
  ['a one-shot that ran is finished', {lastSlot: time('09:00:00'), now: time('12:00:00'), schedule: {date: time('09:00:00')}}, {jobs: [], lastSlot: time('09:00:00'), nextRun: null}],
  ['a one-shot not yet due', {createdAt: time('08:00:00'), lastSlot: null, now: time('08:30:00'), schedule: {date: time('09:00:00')}}, {jobs: [], lastSlot: null, nextRun: time('09:00:00')}],
  ['an hourly repeat created after its date: the latest past slot only, not the ones before creation', {createdAt: time('12:30:00'), lastSlot: null, misfire: 'all', now: time('12:30:00'), schedule: {date: time('09:00:00'), repeat: {h: 1}}}, {jobs: [time('12:00:00')], lastSlot: time('12:00:00'), nextRun: time('13:00:00')}],
];

for (const [title, input, expected] of cases) {
  test(`due slots: ${title}`, (t) => {
    const result = listDueSlots({
      createdAt: new Date(input.createdAt ?? time('00:00:00')),
      lastSlot: input.lastSlot === null ? null : new Date(input.lastSlot),
      limit: input.limit,
      misfire: input.misfire,
      misfireThreshold: input.misfireThreshold,
      now: new Date(input.now),
      schedule: parseSchedule({schedule: input.schedule}),
    });

    t.deepEqual({
      jobs: result.jobs.map((job) => (job.slots.length === 1 && !job.truncated ? job.scheduledFor.toISOString() : {
        scheduledFor: job.scheduledFor.toISOString(),
        slots: job.slots.map((slot) => slot.toISOString()),
        through: job.through.toISOString(),
        truncated: job.truncated,
      })),
      lastSlot: result.lastSlot?.toISOString() ?? null,
      nextRun: result.nextRun?.toISOString() ?? null,
      ...(result.skipped === null ? {} : {skipped: {from: result.skipped.from.toISOString(), through: result.skipped.through.toISOString()}}),
    }, expected);
  });
}

test('two processes reading the same lastSlot at different times key their once-job by the same slot', (t) => {
  const schedule = parseSchedule({schedule: second});
  const [early, late] = [time('10:00:05'), time('10:00:09')].map((now) => listDueSlots({createdAt: new Date(0), lastSlot: new Date(time('10:00:00')), now: new Date(now), schedule}));
  t.deepEqual(early?.jobs[0]?.scheduledFor, late?.jobs[0]?.scheduledFor);
});

test('a daily 02:30 Berlin job across 2026: exactly one slot per day, DST days included', (t) => {
  const schedule = parseSchedule({schedule: '30 2 * * *', timezone: 'Europe/Berlin'});
  const result = listDueSlots({createdAt: new Date('2026-01-01T00:00:00Z'), lastSlot: null, limit: 1_000, misfire: 'all', now: new Date('2027-01-01T00:00:00Z'), schedule});
  const days = result.jobs.map((job) => job.scheduledFor.toLocaleDateString('sv-SE', {timeZone: 'Europe/Berlin'}));

  t.is(result.jobs.length, 365);
  t.is(new Set(days).size, 365);
  t.is(result.jobs.find((job) => days[result.jobs.indexOf(job)] === '2026-03-29')?.scheduledFor.toISOString(), '2026-03-29T01:00:00.000Z');
  t.is(result.jobs.find((job) => days[result.jobs.indexOf(job)] === '2026-10-25')?.scheduledFor.toISOString(), '2026-10-25T00:30:00.000Z');
});

const invalid: Array<[string, Partial<ListDueSlotsConfiguration>, {readonly code: string; readonly message?: string; readonly option: string}]> = [
  ['an unknown misfire policy', {misfire: 'later' as never}, {code: 'INVALID_MISFIRE_POLICY', message: 'Expected `misfire` to be `\'once\'`, `\'all\'` or `\'skip\'`, got `"later"`.', option: 'misfire'}],
  ['a limit of 0', {limit: 0}, {code: 'INVALID_MISFIRE_POLICY', option: 'limit'}],
  ['a negative misfireThreshold', {misfireThreshold: -1}, {code: 'INVALID_MISFIRE_POLICY', option: 'misfireThreshold'}],
  ['an invalid now', {now: new Date(Number.NaN)}, {code: 'INVALID_DATE', option: 'now'}],
  ['an invalid lastSlot', {lastSlot: new Date(Number.NaN)}, {code: 'INVALID_DATE', option: 'lastSlot'}],
];

for (const [title, override, expected] of invalid) {
  test(`listDueSlots rejects ${title}`, (t) => {
    const error = t.throws(() => listDueSlots({createdAt: new Date(0), lastSlot: null, now: new Date(0), schedule: parseSchedule({schedule: minute}), ...override}));
    t.like(error, expected);
  });
}
