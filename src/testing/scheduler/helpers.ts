import type {JobRecord, Scheduler, SchedulerStore} from '../../scheduler/index.ts';
import type {KitAssertions} from '../types.ts';

export const MINUTE = 60_000;

export const iso = (value: Date | number) => new Date(value).toISOString();

/** An instant of 2026-01-01 (UTC), where the scheduler tests' clock starts. */
export const at = (time: string) => `2026-01-01T${time}.000Z`;

/** A date no test reaches: a one-shot there never runs, and its jobs stay as they are made. */
export const FAR = '2027-01-01T00:00:00.000Z';

/** Asserts that `promise` rejects with an error like `expected` (fields such as `option` included). */
export const rejects = async (t: KitAssertions, promise: Promise<unknown>, expected: Record<string, unknown>) => {
  t.like(await t.throwsAsync(promise), expected);
};

/** Every page of a listing, following `nextCursor`. */
export const listAll = async (scheduler: Scheduler, query: Parameters<Scheduler['listJobs']>[0] = {}): Promise<JobRecord[][]> => {
  const pages: JobRecord[][] = [];
  let after: string | null = query.after ?? null;

  do {
    const page = await scheduler.listJobs({...query, after});

    pages.push([...page.jobs]);
    after = page.nextCursor;
  } while (after !== null);

  return pages;
};

/** Stores a task that plans no job before `FAR` (a one-shot there), behind the scheduler's back. */
export const saveStoredTask = async (store: SchedulerStore, name: string, now: number) => {
  await store.saveTask({now, task: {concurrency: 1, misfire: 'once', name, payload: null, retry: {attempts: 1, backoff: null}, schedule: {date: new Date(FAR), kind: 'ONE_SHOT', repeat: null, timezone: 'UTC'}, timeout: 3_600_000}});
};

/** Through the store alone: a job of `taskName` that starts at `startedAt` and ends at `endedAt` as `state` (DONE, ERROR, or WAITING for a retry). */
export const runEndedJob = async (store: SchedulerStore, {endedAt, startedAt, state, taskName}: {readonly endedAt: number; readonly startedAt: number; readonly state: 'DONE' | 'ERROR' | 'WAITING'; readonly taskName: string}) => {
  const created = await store.createJob({now: startedAt, runAt: startedAt, taskName});
  const [claimed] = await store.claimJobs({claimUntil: startedAt, limit: 1, now: startedAt, taskNames: [taskName], worker: 'stats'});

  if (created === null || claimed?.id !== created.id) {
    throw new Error(`Expected to claim job ${created?.id ?? 'none'} of ${taskName}.`);
  }

  const error = {message: 'failed'};
  const outcome = state === 'DONE' ? {result: null, state} as const : state === 'ERROR' ? {error, state} as const : {error, runAt: Date.parse(FAR), state} as const;
  const [finished] = await store.finishJobs([{attempt: claimed.attempt, id: claimed.id, now: endedAt, outcome}]);

  if (finished?.endedAt !== (state === 'WAITING' ? null : endedAt)) {
    throw new Error(`Expected job ${claimed.id} to end at ${endedAt}.`);
  }

  return finished;
};
