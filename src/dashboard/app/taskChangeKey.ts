import type {Overview} from './types.ts';

/**
 * What of the overview tells that a task's page may be stale: the task's entry (its last success and
 * failure, next run, pause, schedule; `absent` once deleted) and its running jobs (id, attempt; not
 * their progress, which the task page does not show). Two overviews with the same key need no reload.
 */
export const taskChangeKey = (overview: Overview, name: string): string => {
  const task = overview.tasks.find((candidate) => candidate.name === name);
  const running = overview.running.filter((job) => job.taskName === name).map((job) => `${job.id}:${job.attempt}`);

  return JSON.stringify([task ?? 'absent', running]);
};
