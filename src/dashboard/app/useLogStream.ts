import {useEffect, useState} from 'preact/hooks';
import {toServerUrl} from './api.ts';
import type {Job, LogEntry} from './types.ts';
import {type StreamStatus, useEventSource} from './useEventSource.ts';

export type LogStream = {
  /** The job as the stream sent it last (`job` while it runs, `end` once it ended), `null` before. */
  readonly job: Job | null;
  readonly entries: readonly LogEntry[];
  /** `ended` once the job has ended (the stream is closed then). */
  readonly status: StreamStatus;
};

/**
 * Follows a job and its log through `GET /v1/jobs/:id/logs/stream` (Server-Sent Events; the session
 * cookie authenticates it): its state and progress as they change, and each log entry. `key`
 * restarts it (after a retry). Closed once the job has ended.
 */
export const useLogStream = (jobId: number, key: number): LogStream => {
  const [entries, setEntries] = useState<readonly LogEntry[]>([]);
  const [job, setJob] = useState<Job | null>(null);

  useEffect(() => {
    setEntries([]);
    setJob(null);
  }, [jobId, key]);

  const status = useEventSource(`/v1/jobs/${jobId}/logs/stream`, String(key), {
    end: (data, close) => {
      const ended = (data as {readonly job: Job | null}).job;

      close();

      if (ended !== null) {
        setJob(ended);
      }
    },
    job: (data) => {
      setJob(data as Job);
    },
    // The event's id is the entry's index: a stream opened again (the browser gave one up) sends the
    // log from its start, and its entries replace those shown instead of being added twice.
    log: (data, _close, id) => {
      const index = Number(id);

      setEntries((previous) => {
        if (id === '' || !Number.isSafeInteger(index) || index < 0 || index >= previous.length) {
          return [...previous, data as LogEntry];
        }

        return previous.map((entry, at) => at === index ? data as LogEntry : entry);
      });
    },
  });

  return {entries, job, status};
};
