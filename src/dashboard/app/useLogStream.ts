import {useEffect, useState} from 'preact/hooks';
import {toServerUrl} from './api.ts';
import type {Job, LogEntry} from './types.ts';

export type LogStream = {
  readonly ended: Job | null;
  readonly entries: readonly LogEntry[];
};

/**
 * Follows a job's log through `GET /v1/jobs/:id/logs/stream` (Server-Sent Events; the session
 * cookie authenticates it). `key` restarts it (after a retry). Closed once the job has ended.
 */
export const useLogStream = (jobId: number, key: number): LogStream => {
  const [entries, setEntries] = useState<readonly LogEntry[]>([]);
  const [ended, setEnded] = useState<Job | null>(null);

  useEffect(() => {
    setEntries([]);
    setEnded(null);

    const source = new EventSource(toServerUrl(`/v1/jobs/${jobId}/logs/stream`));

    source.addEventListener('log', (event) => {
      const entry = JSON.parse((event as MessageEvent<string>).data) as LogEntry;

      setEntries((previous) => [...previous, entry]);
    });
    source.addEventListener('end', (event) => {
      const {job} = JSON.parse((event as MessageEvent<string>).data) as {readonly job: Job | null};

      source.close();
      setEnded(job);
    });

    return () => {
      source.close();
    };
  }, [jobId, key]);

  return {ended, entries};
};
