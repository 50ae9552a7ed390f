import cliProgress from 'cli-progress';
import type {ApiClient} from './createApiClient.ts';
import type {OutputStream} from './createOutput.ts';

export type PruneJobsConfiguration = {
  readonly client: ApiClient;
  /** Ended jobs that ended longer ago than this (`30d`, `12h`, or an ISO 8601 date) go. */
  readonly olderThan: string;
  /**
   * Where the bar is drawn, when it is a terminal; nothing is drawn elsewhere.
   * @default no bar
   */
  readonly progressStream?: OutputStream;
  /**
   * @default every ended state (the server's default)
   */
  readonly states?: readonly string[];
  /**
   * Only this task's jobs (one request).
   * @default every task
   */
  readonly taskName?: string;
};

/**
 * Deletes ended jobs through `DELETE /v1/jobs`; resolves how many. The server prunes in batches but
 * reports no progress, so for a bar the command prunes task by task, one request each (`taskName`),
 * and then once without one for the jobs of tasks that are gone: the bar counts tasks done and jobs
 * deleted so far. With `taskName`, or no terminal to draw on, it is one request.
 */
export const pruneJobs = async ({client, olderThan, progressStream, states, taskName}: PruneJobsConfiguration): Promise<number> => {
  const prune = async (name?: string) => {
    const body = await client.request<{readonly deleted: number}>({
      method: 'DELETE',
      path: '/v1/jobs',
      query: {olderThan, states: states?.join(','), taskName: name},
    });

    return body.deleted;
  };

  if (taskName !== undefined || progressStream?.isTTY !== true) {
    return await prune(taskName);
  }

  const {tasks} = await client.request<{readonly tasks: ReadonlyArray<{readonly name: string}>}>({method: 'GET', path: '/v1/tasks'});
  const bar = new cliProgress.SingleBar({
    barsize: 25,
    format: 'pruning |{bar}| {value}/{total} tasks | {deleted} jobs deleted | {task}',
    hideCursor: true,
    stream: progressStream as NodeJS.WriteStream,
  }, cliProgress.Presets.shades_classic);
  let deleted = 0;

  bar.start(tasks.length + 1, 0, {deleted, task: ''});

  try {
    for (const task of tasks) {
      bar.update({task: task.name});
      deleted += await prune(task.name);
      bar.increment({deleted});
    }

    bar.update({task: '(tasks no longer scheduled)'});
    deleted += await prune();
    bar.increment({deleted, task: ''});
  } finally {
    bar.stop();
  }

  return deleted;
};
