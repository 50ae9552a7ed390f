import {parseSchedule, type SchedulerStore} from '../../../src/scheduler/index.ts';

/**
 * Saves task 'report' on `store` with one job due at `now`, WAITING for its second attempt after
 * worker 'first' failed its first. A claim given back restores that state but names its own claimer
 * in `worker`: a job still naming 'first' was never claimed since.
 */
export const createWaitingJob = async (store: SchedulerStore, now: number): Promise<{readonly id: number; readonly taskNames: readonly string[]}> => {
  const taskNames = ['report'];

  await store.saveTask({
    now,
    task: {concurrency: 1, misfire: 'once', name: 'report', payload: null, retry: {attempts: 3, backoff: null}, schedule: parseSchedule({schedule: '1h'}), timeout: 60_000},
  });
  await store.materializeJobs({
    now,
    plan: () => ({jobs: [{runAt: now, scheduledFor: now, slotCount: 1}], lastSlot: now, nextRunAt: null, skipped: null}),
    taskNames,
    until: now,
  });

  const [job] = await store.claimJobs({claimUntil: now, limit: 10, now, taskNames, worker: 'first'});
  const id = job?.id ?? 0;

  await store.finishJobs([{attempt: 1, id, now, outcome: {error: {message: 'first attempt'}, runAt: now, state: 'WAITING'}}]);

  return {id, taskNames};
};
