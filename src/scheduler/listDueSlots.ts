import {calculateNextRun} from './calculateNextRun.ts';
import {calculatePreviousRun} from './calculatePreviousRun.ts';
import {InvalidMisfirePolicyError} from './errors.ts';
import {toInstant} from './toInstant.ts';
import type {MisfirePolicy, Schedule} from './scheduleTypes.ts';

export type ListDueSlotsConfiguration = {
  /**
   * The origin of an interval's slots; see `calculateNextRun`.
   * @default new Date(0)
   */
  readonly anchor?: Date;
  /**
   * When the task was created. A cron or interval task that has had no job yet counts its slots from
   * here (strictly after). A one-shot's slot is due even when its date was before, and so is, for a
   * one-shot with `repeat`, the last slot at or before it; earlier repeats were never missed.
   */
  readonly createdAt: Date;
  /** The slot of the task's last job (`DueSlots.lastSlot` of the previous call), or `null` when it has none. */
  readonly lastSlot: Date | null;
  /**
   * Most slots listed per call: jobs under `'all'` and `'skip'` (call again while `nextRun <= now`),
   * slots listed in the one job of `'once'`.
   * @default 100
   */
  readonly limit?: number;
  /**
   * What to do when more than one slot is due, or when the one due slot is late:
   * `'once'` runs one job, keyed by the oldest due slot, standing for all of them;
   * `'all'` runs one job per due slot, oldest first; `'skip'` drops the slots more than
   * `misfireThreshold` late and runs the others, one job each.
   * @default 'once'
   */
  readonly misfire?: MisfirePolicy;
  /**
   * Under `'skip'`, how late (milliseconds) a slot may be and still run. The other policies run
   * every due slot whatever its lateness.
   * @default 60000
   */
  readonly misfireThreshold?: number;
  readonly now: Date;
  /** A schedule from `parseSchedule`. */
  readonly schedule: Schedule;
};

export type DueJob = {
  /** The slot the job is keyed by: unique per task, the same in every process that reads the same `lastSlot`. */
  readonly scheduledFor: Date;
  /** The slots the job stands for, oldest first (`[scheduledFor]` except under `'once'`), at most `limit`. */
  readonly slots: readonly Date[];
  /** The last slot the job stands for. */
  readonly through: Date;
  /** The job stands for more slots than `slots` lists (more than `limit`). */
  readonly truncated: boolean;
};

export type DueSlots = {
  /** Jobs to create now, oldest first. */
  readonly jobs: readonly DueJob[];
  /** The task's last slot once `jobs` are created (the input `lastSlot` when nothing is due). */
  readonly lastSlot: Date | null;
  /** The first slot after `lastSlot`; at or before `now` when more slots are due than `limit` allowed. */
  readonly nextRun: Date | null;
  /** Under `'skip'`, the first and last of the slots dropped; otherwise `null`. */
  readonly skipped: {readonly from: Date; readonly through: Date} | null;
};

const POLICIES: readonly unknown[] = ['all', 'once', 'skip'];

const single = (slot: Date): DueJob => {
  return {scheduledFor: slot, slots: [slot], through: slot, truncated: false};
};

/**
 * Which jobs a task needs now, given the slot of its last job: every slot in `(lastSlot, now]` is
 * due, and the misfire policy decides what becomes of them (normally there is exactly one, and
 * every policy runs it). Pure: the same inputs give the same jobs in every process.
 */
export const listDueSlots = (configuration: ListDueSlotsConfiguration): DueSlots => {
  const {anchor, schedule} = configuration;
  const misfire = configuration.misfire ?? 'once';
  const limit = configuration.limit ?? 100;
  const misfireThreshold = configuration.misfireThreshold ?? 60_000;

  if (!POLICIES.includes(misfire)) {
    throw new InvalidMisfirePolicyError('misfire', '`\'once\'`, `\'all\'` or `\'skip\'`', misfire);
  }

  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidMisfirePolicyError('limit', 'an integer >= 1', limit);
  }

  if (typeof misfireThreshold !== 'number' || !Number.isFinite(misfireThreshold) || misfireThreshold < 0) {
    throw new InvalidMisfirePolicyError('misfireThreshold', 'a finite number >= 0 (milliseconds)', misfireThreshold);
  }

  const now = toInstant(configuration.now, 'now');
  const createdAt = toInstant(configuration.createdAt, 'createdAt');
  const lastSlot = configuration.lastSlot === null ? null : new Date(toInstant(configuration.lastSlot, 'lastSlot'));
  const next = (after: number): Date | null => calculateNextRun({after: new Date(after), anchor, schedule});
  const previous = (atOrBefore: number): Date | null => calculatePreviousRun({anchor, atOrBefore: new Date(atOrBefore), schedule});

  let after = lastSlot?.getTime() ?? createdAt;

  if (lastSlot === null && schedule.kind === 'ONE_SHOT') {
    after = Math.min(createdAt, (previous(createdAt)?.getTime() ?? Number.POSITIVE_INFINITY) - 1);
  }

  const first = next(after);

  if (first === null || first.getTime() > now) {
    return {jobs: [], lastSlot, nextRun: first, skipped: null};
  }

  /** Due slots from `from` on, oldest first, at most `limit`, and the slot after the last of them. */
  const enumerate = (from: Date | null): {readonly following: Date | null; readonly slots: readonly Date[]} => {
    const slots: Date[] = [];
    let slot = from;

    while (slot !== null && slot.getTime() <= now && slots.length < limit) {
      slots.push(slot);
      slot = next(slot.getTime());
    }

    return {following: slot, slots};
  };

  if (misfire === 'once') {
    const latest = previous(now) ?? first;
    const {slots} = enumerate(first);
    const job = {scheduledFor: first, slots, through: latest, truncated: slots.at(-1)?.getTime() !== latest.getTime()};

    return {jobs: [job], lastSlot: latest, nextRun: next(latest.getTime()), skipped: null};
  }

  let from = first;
  let skipped: DueSlots['skipped'] = null;

  if (misfire === 'skip' && now - first.getTime() > misfireThreshold) {
    const cutoff = Math.ceil(now - misfireThreshold);
    const lastDropped = previous(cutoff - 1) ?? first;
    const window = next(lastDropped.getTime());

    skipped = {from: first, through: lastDropped};

    if (window === null || window.getTime() > now) {
      return {jobs: [], lastSlot: lastDropped, nextRun: window, skipped};
    }

    from = window;
  }

  const {following, slots} = enumerate(from);

  return {jobs: slots.map(single), lastSlot: slots.at(-1) ?? lastSlot, nextRun: following, skipped};
};
