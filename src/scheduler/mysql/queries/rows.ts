/**
 * What every MySQL scheduler query shares: how values travel and how rows come back. Values are `?`
 * parameters (mysql2 escapes them), identifiers come validated and quoted from
 * createMysqlSchedulerTables. Times are BIGINT milliseconds since the epoch (the injected clock's):
 * no DATETIME, so neither the server's nor the driver's time zone is ever involved. JSON is text in
 * LONGTEXT columns (see the migration), written with JSON.stringify and read with JSON.parse. Numbers
 * go through `Number()`, so a pool with `supportBigNumbers`/`bigNumberStrings` reads alike.
 */
import type {PoolConnection, ResultSetHeader, RowDataPacket} from 'mysql2/promise';
import type {JobRecord, JobState, TaskRecord} from '../../recordTypes.ts';
import type {Schedule, StoredRetryPolicy} from '../../scheduleTypes.ts';

/** A pool or one of its connections: what runs a statement. */
export type Queryable = Pick<PoolConnection, 'query'>;

export type Row = Readonly<Record<string, unknown>>;

export type Values = readonly unknown[];

/** The rows a SELECT returns. */
export const selectRows = async (connection: Queryable, text: string, values: Values = []): Promise<readonly Row[]> => {
  const [rows] = await connection.query<RowDataPacket[]>(text, [...values]);

  return rows;
};

/** What a write reports (`affectedRows`, `insertId`). */
export const execute = async (connection: Queryable, text: string, values: Values = []): Promise<ResultSetHeader> => {
  const [result] = await connection.query<ResultSetHeader>(text, [...values]);

  return result;
};

/**
 * A list for `IN (?)`: mysql2 expands an array into its escaped items, and an empty one into
 * nothing, which is a syntax error; `IN (NULL)` matches no row.
 */
export const list = (values: readonly unknown[]): readonly unknown[] => values.length === 0 ? [null] : [...new Set(values)];

/** A JSON value as the text its column holds; `null`/`undefined` as SQL NULL. */
export const json = (value: unknown): string | null => value === null || value === undefined ? null : JSON.stringify(value);

export const PENDING = `('SCHEDULED', 'WAITING')`;

const parseJson = (value: unknown): unknown => {
  if (value === null || value === undefined) {
    return null;
  }

  return JSON.parse(Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
};

export const milliseconds = (value: unknown): number | null => value === null || value === undefined ? null : Number(value);

export const text = (value: unknown): string | null => {
  if (value === null || value === undefined) {
    return null;
  }

  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
};

export const toStoredSchedule = (schedule: Schedule): unknown => {
  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: schedule.date.toISOString()} : schedule;
};

const fromStoredSchedule = (stored: unknown): Schedule => {
  const schedule = stored as Schedule & {readonly date?: string};

  return schedule.kind === 'ONE_SHOT' ? {...schedule, date: new Date(schedule.date)} : schedule;
};

/** Task names are VARBINARY (exact, byte for byte, as PostgreSQL's text compares): read back as utf8mb4 text. */
const name = (column: string) => `CONVERT(${column} USING utf8mb4)`;

/** The columns of a task row (of `alias`), named as toTask reads them. */
export const taskColumns = (alias: string) => `
  ${name(`${alias}.name`)} AS name, ${alias}.schedule AS schedule, ${alias}.timeout_ms AS timeout,
  ${alias}.concurrency AS concurrency, ${alias}.misfire AS misfire, ${alias}.retry AS retry,
  ${alias}.payload AS payload, ${alias}.paused AS paused, ${alias}.created_at AS createdAt,
  ${alias}.last_slot AS lastSlot, ${alias}.next_run_at AS nextRunAt
`;

/** The columns of a job row (of `alias`), named as toJob reads them. */
export const jobColumns = (alias: string) => `
  ${alias}.id AS id, ${name(`${alias}.task_name`)} AS taskName, ${alias}.kind AS kind, ${alias}.slot_count AS slotCount,
  ${alias}.state AS state, ${alias}.attempt AS attempt, ${alias}.no_processor_count AS noProcessorCount,
  ${alias}.payload AS payload, ${alias}.worker AS worker, ${alias}.progress AS progress, ${alias}.step AS step,
  ${alias}.error AS error, ${alias}.result AS result, ${alias}.scheduled_for AS scheduledFor, ${alias}.run_at AS runAt,
  ${alias}.created_at AS createdAt, ${alias}.started_at AS startedAt, ${alias}.lease_until AS leaseUntil, ${alias}.ended_at AS endedAt
`;

export const toTask = (value: Row): TaskRecord => {
  return {
    concurrency: Number(value.concurrency),
    createdAt: Number(value.createdAt),
    lastSlot: milliseconds(value.lastSlot),
    misfire: String(value.misfire) as TaskRecord['misfire'],
    name: text(value.name) ?? '',
    nextRunAt: milliseconds(value.nextRunAt),
    paused: Number(value.paused) === 1,
    payload: parseJson(value.payload),
    retry: parseJson(value.retry) as StoredRetryPolicy,
    schedule: fromStoredSchedule(parseJson(value.schedule)),
    timeout: Number(value.timeout),
  };
};

export const toJob = (value: Row): JobRecord => {
  return {
    attempt: Number(value.attempt),
    createdAt: Number(value.createdAt),
    endedAt: milliseconds(value.endedAt),
    error: parseJson(value.error) as JobRecord['error'],
    id: Number(value.id),
    kind: String(value.kind) as JobRecord['kind'],
    leaseUntil: milliseconds(value.leaseUntil),
    noProcessorCount: Number(value.noProcessorCount),
    payload: parseJson(value.payload),
    progress: milliseconds(value.progress),
    result: parseJson(value.result),
    runAt: Number(value.runAt),
    scheduledFor: Number(value.scheduledFor),
    slotCount: Number(value.slotCount),
    startedAt: milliseconds(value.startedAt),
    state: String(value.state) as JobState,
    step: text(value.step),
    taskName: text(value.taskName) ?? '',
    worker: text(value.worker),
  };
};

/** The jobs with these ids, in id order. */
export const selectJobsById = async (connection: Queryable, tables: {readonly job: string}, ids: readonly number[]): Promise<readonly JobRecord[]> => {
  if (ids.length === 0) {
    return [];
  }

  return (await selectRows(connection, `SELECT ${jobColumns('j')} FROM ${tables.job} j WHERE j.id IN (?) ORDER BY j.id`, [list(ids)])).map(toJob);
};
