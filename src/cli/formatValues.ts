/** Pure formatting of API values for the command's tables. */
import type {JobBody, JobLogEntryBody} from '../server/schemas/jobSchemas.ts';
import type {TaskBody} from '../server/schemas/taskSchemas.ts';

/** A task as the API answers it; `paused` where the server reports it. */
export type TaskView = TaskBody & {readonly paused?: boolean};

const UNITS = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const;

/** `5400000` → `1h30m`; `0` → `0ms`. The inverse of the scheduler's `parseDuration`. */
export const formatDuration = (milliseconds: number): string => {
  let rest = Math.round(milliseconds);
  let text = '';

  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }

  return text === '' ? '0ms' : text;
};

/** An ISO 8601 time as `2026-12-03 08:46:37Z` (UTC, to the second); `null` as `-`. */
export const formatTime = (time: string | null | undefined): string => {
  if (time === null || time === undefined) {
    return '-';
  }

  const date = new Date(time);

  return Number.isNaN(date.getTime()) ? time : `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
};

/** `CRON 0 3 * * * Europe/Berlin`, `every 15m`, `once 2027-02-01 08:00:00Z, then every 1M7d`. */
export const formatSchedule = (schedule: TaskView['schedule']): string => {
  if (schedule.kind === 'CRON') {
    return `cron ${schedule.expression}${schedule.timezone === 'UTC' ? '' : ` (${schedule.timezone})`}`;
  }

  if (schedule.kind === 'INTERVAL') {
    return `every ${formatDuration(schedule.every)}`;
  }

  const repeat = schedule.repeat === null ?
    '' :
    `, then every ${([['y', schedule.repeat.years], ['M', schedule.repeat.months], ['w', schedule.repeat.weeks], ['d', schedule.repeat.days], ['h', schedule.repeat.hours], ['m', schedule.repeat.minutes], ['s', schedule.repeat.seconds], ['ms', schedule.repeat.milliseconds]] as const)
      .filter(([, amount]) => amount > 0)
      .map(([unit, amount]) => `${amount}${unit}`)
      .join('')}`;

  return `once ${formatTime(schedule.date)}${repeat}`;
};

/** A task's last job and the like: `#12 failed 2026-12-03 08:46:37Z`, or `-`. */
export const formatJobSummary = (summary: TaskView['lastJob']): string => {
  return summary === null ? '-' : `#${summary.id} ${summary.status} ${formatTime(summary.date)}`;
};

/** A job's progress as a percentage (progress is 0–1), or `-`. */
export const formatProgress = (progress: number | null): string => {
  return progress === null ? '-' : `${Math.round(progress * 100)}%`;
};

/** The message of a job's serialised error, with its code: `job_timed_out: …`. */
export const formatJobError = (error: JobBody['error']): string => {
  if (error === null) {
    return '-';
  }

  const {code, message} = error as {readonly code?: unknown; readonly message?: unknown};
  const text = typeof message === 'string' ? message : JSON.stringify(error);

  return typeof code === 'string' ? `${code}: ${text}` : text;
};

/** One log entry as a line: time, attempt, progress and step, message. */
export const formatLogEntry = (entry: JobLogEntryBody): string => {
  return [
    formatTime(entry.date),
    `#${entry.attempt}`,
    ...entry.progress === null ? [] : [formatProgress(entry.progress)],
    ...entry.step === null ? [] : [`[${entry.step}]`],
    ...entry.message === null ? [] : [entry.message],
  ].join(' ');
};
