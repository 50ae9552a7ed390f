import type {JobLogEntry} from '../scheduler/recordTypes.ts';
import type {JobLogEntryBody} from './schemas/jobSchemas.ts';

/** A job's log line as the HTTP API shows it, its date as an ISO 8601 string. */
export const toJobLogEntryBody = (entry: JobLogEntry): JobLogEntryBody => {
  return {attempt: entry.attempt, date: entry.date.toISOString(), message: entry.message, progress: entry.progress, step: entry.step};
};
