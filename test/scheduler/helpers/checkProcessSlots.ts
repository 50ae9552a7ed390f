import type {ExecutionContext} from 'ava';

/** A job row as the multi-process tests read it back (scheduledFor in epoch milliseconds). */
export type SlotJob = {
  readonly attempt: number;
  readonly scheduledFor: number;
  readonly slotCount: number;
  readonly state: string;
  readonly taskName: string;
  readonly worker: string | null;
};

/**
 * The multi-process tests' checks, on every store: no process reported an error, and each task
 * (an every-second cron, a 1 s interval) has exactly one job for each slot that fell due while
 * all ran (`seconds` from `startedAt` to `stoppedAt`), run once, for one slot; no job ran twice.
 */
export const checkProcessSlots = (t: ExecutionContext, {jobs, reports, seconds, startedAt, stoppedAt}: {
  readonly jobs: readonly SlotJob[];
  readonly reports: ReadonlyArray<{readonly errors: readonly string[]; readonly processed: number} | null>;
  readonly seconds: number;
  readonly startedAt: number;
  readonly stoppedAt: number;
}): void => {
  t.deepEqual(reports.flatMap((report) => report === null ? ['not stopped'] : report.errors), []);

  for (const taskName of ['every-second', 'interval']) {
    // The slots that fell due while all three ran (the first one second in, the last one second before the stop).
    const window = jobs.filter((job) => job.taskName === taskName && job.scheduledFor >= startedAt + 1_000 && job.scheduledFor <= stoppedAt - 1_000);
    const expected = Math.floor((stoppedAt - 1_000) / 1_000) - Math.ceil((startedAt + 1_000) / 1_000) + 1;
    const slots = window.map((job) => job.scheduledFor);

    t.true(expected >= seconds - 3, `${taskName}: the window holds ${expected} slots`);
    t.is(new Set(slots).size, slots.length, `${taskName}: no slot has two jobs`);
    t.is(slots.length, expected, `${taskName}: no slot is missing`);
    t.true(slots.every((slot, index) => index === 0 || slot - (slots[index - 1] ?? 0) === 1_000), `${taskName}: consecutive seconds`);
    t.deepEqual(window.filter((job) => job.state !== 'DONE' || job.attempt !== 1 || job.slotCount !== 1), [], `${taskName}: each ran once, for one slot`);
    t.log(`${taskName}: ${slots.length} slots, run by ${new Set(window.map((job) => job.worker)).size} processes`);
  }

  t.is(reports.reduce((sum, report) => sum + (report?.processed ?? 0), 0), jobs.filter((job) => job.state === 'DONE').length, 'no job ran twice');
};
