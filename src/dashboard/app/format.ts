// Pure formatting for the page: schedules in words, ages, times in the viewer's timezone.
import type {JobError, Schedule} from './types.ts';

const UNITS = [['week', 604_800_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000]] as const;

const plural = (amount: number, unit: string) => amount === 1 ? unit : `${amount} ${unit}s`;

/** `900000` → `15 minutes`; `86400000` → `day` (for "every day"); under a second in ms. */
export const formatEvery = (milliseconds: number): string => {
  for (const [unit, size] of UNITS) {
    if (milliseconds >= size && milliseconds % size === 0) {
      return plural(milliseconds / size, unit);
    }
  }

  return `${milliseconds} ms`;
};

const pad = (value: string) => value.padStart(2, '0');

/** The common cron shapes in words; any other expression as itself. */
const describeCron = (expression: string): string => {
  const fields = expression.trim().split(/\s+/u);

  if (fields.length !== 5) {
    return `cron ${expression}`;
  }

  const [minute = '', hour = '', dayOfMonth, month, dayOfWeek] = fields;
  const everyDay = dayOfMonth === '*' && month === '*' && dayOfWeek === '*';
  const step = /^\*\/(\d+)$/u.exec(minute)?.[1];

  if (everyDay && hour === '*' && minute === '*') {
    return 'every minute';
  }

  if (everyDay && hour === '*' && step !== undefined) {
    return `every ${plural(Number(step), 'minute')}`;
  }

  if (everyDay && hour === '*' && /^\d+$/u.test(minute)) {
    return minute === '0' ? 'every hour' : `every hour at minute ${minute}`;
  }

  if (everyDay && /^\d+$/u.test(hour) && /^\d+$/u.test(minute)) {
    return `every day at ${pad(hour)}:${pad(minute)}`;
  }

  return `cron ${expression}`;
};

/** A task's schedule in words: `every 15 minutes`, `every day at 03:00`, `once on …, then every month`. */
export const describeSchedule = (schedule: Schedule): string => {
  if (schedule.kind === 'INTERVAL') {
    return `every ${formatEvery(schedule.every)}`;
  }

  if (schedule.kind === 'CRON') {
    return describeCron(schedule.expression);
  }

  const repeat = Object.entries(schedule.repeat ?? {}).filter(([, amount]) => amount > 0).map(([unit, amount]) => plural(amount, unit.replace(/s$/u, '')));

  return `once on ${formatDate(schedule.date)}${repeat.length === 0 ? '' : `, then every ${repeat.join(' ')}`}`;
};

/** The timezone a task's schedule is read in, when it has one. */
export const scheduleTimezone = (schedule: Schedule): string | null => schedule.kind === 'INTERVAL' ? null : schedule.timezone;

/** A time in the viewer's timezone (or in `timeZone`, an IANA name such as a task's), to the second. */
export const formatDate = (iso: string, timeZone?: string): string => new Date(iso).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'medium', timeZone});

/** The viewer's timezone (`Europe/Berlin`), as the browser reports it. */
export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** How long ago (or, for a future time, in how long): `3 min ago`, `in 2 h`. */
export const formatAge = (iso: string, now: number): string => {
  const difference = new Date(iso).getTime() - now;
  const seconds = Math.round(Math.abs(difference) / 1000);
  const text = seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${Math.floor(seconds / 60)} min` : seconds < 86_400 ? `${Math.floor(seconds / 3600)} h` : `${Math.floor(seconds / 86_400)} d`;

  return difference > 0 ? `in ${text}` : `${text} ago`;
};

/** A job's error as `CODE: message`. */
export const formatError = (error: JobError | null): string => {
  if (error === null) {
    return '';
  }

  return `${error.code === undefined ? '' : `${error.code}: `}${error.message ?? error.name ?? 'error'}`;
};

/** A payload or result as indented JSON. */
export const formatJson = (value: unknown): string => JSON.stringify(value, null, 2) ?? 'undefined';
