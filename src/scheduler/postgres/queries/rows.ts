/**
 * What every scheduler query shares: how values travel and how rows come back. Values are parameters,
 * identifiers go through sql.identifier. Times travel as milliseconds since the epoch (the injected
 * clock's), converted in SQL, and come back as float8 milliseconds, so no driver's timestamp parser is
 * involved.
 */
import {type IdentifierSqlToken, type SerializableValue, sql} from 'slonik';
import {z} from 'zod';
import type {JobRecord, JobState, TaskRecord} from '../../recordTypes.ts';
import type {Schedule, StoredRetryPolicy} from '../../scheduleTypes.ts';

export const empty = z.object({});
export const row = z.record(z.string(), z.unknown());

export const at = (milliseconds: number) => sql.fragment`to_timestamp(${milliseconds}::float8 / 1000)`;
export const json = (value: unknown) => value === null || value === undefined ? sql.fragment`NULL::jsonb` : sql.jsonb(value as SerializableValue);
export const PENDING = sql.fragment`('SCHEDULED', 'WAITING')`;
export const names = (values: readonly string[]) => sql.array([...values], 'text');

/** The names among `values` of stored tasks that are not paused, as an array (an init plan: computed once per statement). */
export const activeNames = (task: IdentifierSqlToken, values: readonly string[]) => sql.fragment`ARRAY(SELECT name FROM ${task} WHERE name = ANY(${names(values)}) AND NOT paused)`;

export const milliseconds = (value: unknown): number | null => value === null || value === undefined ? null : Number(value);

export const toStoredSchedule = (schedule: Schedule): unknown => {
  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: schedule.date.toISOString()} : schedule;
};

const fromStoredSchedule = (stored: unknown): Schedule => {
  const schedule = stored as Schedule & {readonly date?: string};

  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: new Date(schedule.date)} : schedule;
};

export const TASK_COLUMNS = sql.fragment`
  name, schedule, timeout_ms AS "timeout", concurrency, misfire, retry, payload, paused,
  round(extract(epoch FROM created_at) * 1000)::float8 AS "createdAt",
  round(extract(epoch FROM last_slot) * 1000)::float8 AS "lastSlot",
  round(extract(epoch FROM next_run_at) * 1000)::float8 AS "nextRunAt"
`;

export const JOB_COLUMNS = sql.fragment`
  id::float8 AS id, task_name AS "taskName", kind, slot_count AS "slotCount", state, attempt,
  no_processor_count AS "noProcessorCount", payload, worker, progress, step, error, result,
  round(extract(epoch FROM scheduled_for) * 1000)::float8 AS "scheduledFor",
  round(extract(epoch FROM run_at) * 1000)::float8 AS "runAt",
  round(extract(epoch FROM created_at) * 1000)::float8 AS "createdAt",
  round(extract(epoch FROM started_at) * 1000)::float8 AS "startedAt",
  round(extract(epoch FROM lease_until) * 1000)::float8 AS "leaseUntil",
  round(extract(epoch FROM ended_at) * 1000)::float8 AS "endedAt"
`;

export const toTask = (value: Record<string, unknown>): TaskRecord => {
  return {
    concurrency: Number(value.concurrency),
    createdAt: Number(value.createdAt),
    lastSlot: milliseconds(value.lastSlot),
    misfire: value.misfire as TaskRecord['misfire'],
    name: String(value.name),
    nextRunAt: milliseconds(value.nextRunAt),
    paused: value.paused === true,
    payload: value.payload ?? null,
    retry: value.retry as StoredRetryPolicy,
    schedule: fromStoredSchedule(value.schedule),
    timeout: Number(value.timeout),
  };
};

export const toJob = (value: Record<string, unknown>): JobRecord => {
  return {
    attempt: Number(value.attempt),
    createdAt: Number(value.createdAt),
    endedAt: milliseconds(value.endedAt),
    error: (value.error ?? null) as JobRecord['error'],
    id: Number(value.id),
    kind: value.kind as JobRecord['kind'],
    leaseUntil: milliseconds(value.leaseUntil),
    noProcessorCount: Number(value.noProcessorCount),
    payload: value.payload ?? null,
    progress: milliseconds(value.progress),
    result: value.result ?? null,
    runAt: Number(value.runAt),
    scheduledFor: Number(value.scheduledFor),
    slotCount: Number(value.slotCount),
    startedAt: milliseconds(value.startedAt),
    state: value.state as JobState,
    step: (value.step ?? null) as string | null,
    taskName: String(value.taskName),
    worker: (value.worker ?? null) as string | null,
  };
};

export const epoch = (expression: ReturnType<typeof sql.fragment>) => sql.fragment`round(extract(epoch FROM ${expression}) * 1000)::float8`;
