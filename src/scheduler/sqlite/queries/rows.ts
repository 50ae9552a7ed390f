/**
 * What every scheduler query on SQLite shares: how values travel and how rows come back. Times are
 * stored as integer milliseconds since the epoch (the injected clock's, rounded as PostgreSQL's
 * timestamps come back rounded); the bounds a query compares them with travel as given. JSON values
 * travel as their text and come back parsed; lists of names travel as one JSON array read with
 * json_each, so a name full of quotes is only ever a value.
 */
import type {SQLInputValue} from 'node:sqlite';
import type {JobRecord, JobState, TaskRecord} from '../../recordTypes.ts';
import type {Schedule, StoredRetryPolicy} from '../../scheduleTypes.ts';
import type {SqliteRow} from './connection.ts';

export const PENDING = `('SCHEDULED', 'WAITING')`;

/** A time as stored: whole milliseconds. */
export const at = (milliseconds: number): number => Math.round(milliseconds);

/** An optional time as stored. */
export const maybeAt = (milliseconds: number | null | undefined): number | null => milliseconds === null || milliseconds === undefined ? null : Math.round(milliseconds);

/** A JSON value as stored: its text, or NULL for `null` (and `undefined`), as PostgreSQL's jsonb column holds it. */
export const json = (value: unknown): SQLInputValue => value === null || value === undefined ? null : JSON.stringify(value);

/** Names as one parameter: `… IN (SELECT value FROM json_each(:names))`. */
export const names = (values: readonly string[]): string => JSON.stringify([...new Set(values)]);

/** The names among `:names` of stored tasks that are not paused, as a subquery. */
export const activeNames = (task: string, parameter: string) => `(SELECT name FROM ${task} WHERE paused = 0 AND name IN (SELECT value FROM json_each(:${parameter})))`;

const parse = (value: unknown): unknown => value === null || value === undefined ? null : JSON.parse(String(value)) as unknown;

export const milliseconds = (value: unknown): number | null => value === null || value === undefined ? null : Number(value);

export const toStoredSchedule = (schedule: Schedule): unknown => {
  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: schedule.date.toISOString()} : schedule;
};

const fromStoredSchedule = (stored: unknown): Schedule => {
  const schedule = stored as Schedule & {readonly date?: string};

  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: new Date(schedule.date)} : schedule;
};

/** A JSON value with its object keys sorted: two schedules are the same when these texts are (as jsonb equality says on PostgreSQL). */
export const canonicalJson = (value: unknown): string => JSON.stringify(value, (_key, inner: unknown) => {
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) {
    return inner;
  }

  return Object.fromEntries(Object.entries(inner).toSorted(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
});

/** Whether the stored schedule text is the schedule given. */
export const isSameStoredSchedule = (stored: unknown, schedule: Schedule): boolean => {
  return canonicalJson(parse(stored)) === canonicalJson(JSON.parse(JSON.stringify(toStoredSchedule(schedule))));
};

export const TASK_COLUMNS = 'name, schedule, timeout_ms, concurrency, misfire, retry, payload, paused, created_at, last_slot, next_run_at';

export const JOB_COLUMNS = `id, task_name, kind, slot_count, state, attempt, no_processor_count, payload, worker, progress, step, error, result,
  scheduled_for, run_at, created_at, started_at, lease_until, ended_at`;

export const toTask = (value: SqliteRow): TaskRecord => {
  return {
    concurrency: Number(value.concurrency),
    createdAt: Number(value.created_at),
    lastSlot: milliseconds(value.last_slot),
    misfire: value.misfire as TaskRecord['misfire'],
    name: String(value.name),
    nextRunAt: milliseconds(value.next_run_at),
    paused: Number(value.paused) === 1,
    payload: parse(value.payload),
    retry: parse(value.retry) as StoredRetryPolicy,
    schedule: fromStoredSchedule(parse(value.schedule)),
    timeout: Number(value.timeout_ms),
  };
};

export const toJob = (value: SqliteRow): JobRecord => {
  return {
    attempt: Number(value.attempt),
    createdAt: Number(value.created_at),
    endedAt: milliseconds(value.ended_at),
    error: parse(value.error) as JobRecord['error'],
    id: Number(value.id),
    kind: value.kind as JobRecord['kind'],
    leaseUntil: milliseconds(value.lease_until),
    noProcessorCount: Number(value.no_processor_count),
    payload: parse(value.payload),
    progress: milliseconds(value.progress),
    result: parse(value.result),
    runAt: Number(value.run_at),
    scheduledFor: Number(value.scheduled_for),
    slotCount: Number(value.slot_count),
    startedAt: milliseconds(value.started_at),
    state: value.state as JobState,
    step: (value.step ?? null) as string | null,
    taskName: String(value.task_name),
    worker: (value.worker ?? null) as string | null,
  };
};

/** Jobs in the order the claim and the due list give them: oldest `runAt` first, then lowest id. */
export const byRunAt = (a: JobRecord, b: JobRecord): number => a.runAt - b.runAt || a.id - b.id;
