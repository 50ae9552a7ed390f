import type {JobLogEntryBody} from '../server/schemas/jobSchemas.ts';
import type {ApiClient} from './createApiClient.ts';

export type FollowJobLogsConfiguration = {
  readonly client: ApiClient;
  readonly jobId: number;
  /** Called with each entry: those logged so far first, then new ones as they come. */
  readonly onEntry: (entry: JobLogEntryBody) => void;
  /**
   * Stops following when aborted (resolves `null`).
   * @default never
   */
  readonly signal?: AbortSignal;
};

const parseData = (data: string): unknown => {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return null;
  }
};

const isLogEntry = (value: unknown): value is JobLogEntryBody => {
  return typeof value === 'object' && value !== null && typeof (value as {date?: unknown}).date === 'string' && typeof (value as {attempt?: unknown}).attempt === 'number';
};

/**
 * Follows a job's log over `GET /v1/jobs/:id/logs/stream` (Server-Sent Events): each event's data is
 * a log entry, until an `end` event says the job ended. Resolves the job's final state when the `end`
 * event carries one (its data a job, or `{state}`), `null` otherwise.
 */
export const followJobLogs = async ({client, jobId, onEntry, signal}: FollowJobLogsConfiguration): Promise<string | null> => {
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
  };
  let ended: string | null = null;

  signal?.addEventListener('abort', stop, {once: true});

  try {
    await client.stream(`/v1/jobs/${jobId}/logs/stream`, (event) => {
      const data = parseData(event.data);

      if (event.event === 'end') {
        const state = (data as {state?: unknown} | null)?.state;

        ended = typeof state === 'string' ? state : null;
        stop();
      } else if (isLogEntry(data)) {
        onEntry(data);
      }
    }, controller.signal);
  } finally {
    signal?.removeEventListener('abort', stop);
  }

  return ended;
};
