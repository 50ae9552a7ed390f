/**
 * The store's queries, one per function. Every value (task names, instructions, errors, times) is a
 * parameter; identifiers go through sql.identifier. `now` is the injected clock's milliseconds.
 */
import {type QuerySqlToken, type SerializableValue, sql} from 'slonik';
import {z} from 'zod';
import type {TaskInstruction} from '../../planton/types.ts';
import type {ExecutionState} from '../types.ts';
import type {QueryMethods} from './createPreparedStatements.ts';
import {createSchemaIdentifiers, type SchemaIdentifiers} from './createSchemaIdentifiers.ts';

export type Tables = SchemaIdentifiers<'assertCombinedClaim' | 'execution' | 'notifyFunction' | 'task'>;

export const createTables = (schema: string): Tables => createSchemaIdentifiers(schema, {
  assertCombinedClaim: 'assert_combined_claim',
  execution: 'maintenance_task_execution',
  notifyFunction: 'notify_maintenance_task',
  task: 'maintenance_task',
});

const instruction = z.union([z.string(), z.number()]);
const id = z.coerce.number();

/**
 * Execution ids are int8, which slonik's type parser returns as bigint (slonik does not apply the
 * zod row types below). Ids travel as numbers everywhere (JSON, Map keys): exact up to 2^53.
 */
const toId = (value: unknown): number => Number(value);

const withNumberId = <Row extends {readonly id: unknown}>(row: Row) => ({...row, id: toId(row.id)});
const empty = z.object({});

// Row types, built once: zod schemas are costly to construct (a tenth of a millisecond each on a
// loop woken from idle), and slonik only types the rows with them.
const idRow = z.object({id});
const instructionRow = z.object({instruction});
const countRow = z.object({count: z.number()});
const executionRow = z.object({id, instruction});
const combinedClaimRow = z.object({active: z.number().nullable(), id: id.nullable(), instruction: z.unknown(), passed: z.boolean()});
const terminatedRow = z.object({id, instruction, taskName: z.string()});

const timestamp = (now: number) => {
  return sql.fragment`to_timestamp(${now / 1_000})`;
};

export const selectActiveTaskInstructions = async (connection: QueryMethods, tables: Tables, taskName: string): Promise<readonly TaskInstruction[]> => {
  return await connection.anyFirst(sql.type(instructionRow)`
    SELECT e.instruction
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE t.nid = ${taskName} AND e.ended_at IS NULL
    ORDER BY e.id
  `);
};

/** The same, by the task's id (one index scan, no join): what the store asks once it knows the id. */
export const selectActiveTaskInstructionsById = async (connection: QueryMethods, tables: Tables, taskId: number): Promise<readonly TaskInstruction[]> => {
  return await connection.anyFirst(sql.type(instructionRow)`
    SELECT instruction
    FROM ${tables.execution}
    WHERE maintenance_task_id = ${taskId} AND ended_at IS NULL
    ORDER BY id
  `);
};

/** The task's id; inserts the row with the given limits when the task is new. */
export const upsertTask = async (
  connection: QueryMethods,
  tables: Tables,
  {maxConcurrentExecutionCount, maxExecutionDuration, taskName}: {readonly maxConcurrentExecutionCount: number; readonly maxExecutionDuration: number; readonly taskName: string},
): Promise<number> => {
  // A concurrent insert of the same nid commits between our INSERT … DO NOTHING and our statement's
  // snapshot; a second attempt then sees it.
  for (let attempt = 0; ; attempt++) {
    const taskId = await connection.maybeOneFirst(sql.type(idRow)`
      WITH inserted AS (
        INSERT INTO ${tables.task} (nid, maximum_execution_duration, maximum_concurrent_execution_count)
        VALUES (${taskName}, make_interval(secs => ${maxExecutionDuration / 1_000}), ${maxConcurrentExecutionCount})
        ON CONFLICT (nid) DO NOTHING
        RETURNING id
      )
      SELECT id FROM inserted
      UNION ALL
      SELECT id FROM ${tables.task} WHERE nid = ${taskName}
      LIMIT 1
    `);

    if (taskId !== null || attempt > 0) {
      if (taskId === null) {
        throw new Error(`Task \`${taskName}\` was neither inserted nor found.`);
      }

      return taskId;
    }
  }
};

export const selectMaximumConcurrentExecutionCount = async (connection: QueryMethods, tables: Tables, taskName: string): Promise<number | null> => {
  return await connection.maybeOneFirst(sql.type(countRow)`
    SELECT maximum_concurrent_execution_count AS count FROM ${tables.task} WHERE nid = ${taskName}
  `);
};

/**
 * Records a RUNNING execution per instruction. An instruction that already has one (claimed by
 * another process meanwhile) hits the active-execution unique index and is left out of the result.
 */
export const insertExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {hostname, instructions, now, taskId}: {readonly hostname: string; readonly instructions: readonly TaskInstruction[]; readonly now: number; readonly taskId: number},
): Promise<ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}>> => {
  return (await connection.any(sql.type(executionRow)`
    INSERT INTO ${tables.execution} (maintenance_task_id, instruction, hostname, started_at, last_seen_at)
    SELECT ${taskId}, claimed.instruction, ${hostname}, ${timestamp(now)}, ${timestamp(now)}
    FROM jsonb_array_elements(${sql.jsonb(instructions as SerializableValue)}) WITH ORDINALITY AS claimed (instruction, position)
    ORDER BY claimed.position
    ON CONFLICT (maintenance_task_id, instruction) WHERE ended_at IS NULL DO NOTHING
    RETURNING id, instruction
  `)).map(withNumberId);
};

/** Largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER). */
const MAXIMUM_SAFE_INTEGER = '9007199254740991';

/**
 * Runs the claim and records its instructions in ONE self-committing statement (one round trip, no
 * BEGIN/COMMIT, and the instructions never travel to the client and back): the claim's first column
 * becomes `instruction` through the CTE's column alias, and each claimed row gets a RUNNING
 * execution, in the claim's order, unless one is already running (the active-execution index).
 * A single statement is atomic: the claim and its records commit together or not at all. Before it
 * can commit, `assert_combined_claim` (migration 2) raises SQLSTATE PT001, rolling everything back,
 * when the claim returned more than `limit` rows, a first column whose SQL type is not one of
 * `types`, or a number beyond Number.MAX_SAFE_INTEGER. The first row always exists (the check's,
 * id NULL); the others are the inserted executions. With a `capacity`, it also raises SQLSTATE
 * PT002 when the task's active executions (as this statement sees them) plus the claimed rows
 * exceed it, and every row carries `active`, that count before the claim. Claim queries that are themselves a WITH
 * holding an INSERT/UPDATE/DELETE cannot be nested (SQLSTATE 0A000): use `insertExecutions` after
 * the claim, in a transaction, for those.
 */
export const claimAndInsertExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {capacity, claim, hostname, limit, now, taskId, types}: {readonly capacity: number | null; readonly claim: QuerySqlToken; readonly hostname: string; readonly limit: number; readonly now: number; readonly taskId: number; readonly types: readonly string[]},
): Promise<ReadonlyArray<{readonly active: number | null; readonly id: number | null; readonly instruction: unknown; readonly passed: boolean}>> => {
  return (await connection.any(sql.type(combinedClaimRow)`
    WITH claimed (instruction) AS (
      ${claim}
    ),
    numbered AS (
      SELECT to_jsonb(claimed.instruction) AS instruction, pg_typeof(claimed.instruction)::text AS type, row_number() OVER () AS position
      FROM claimed
    ),
    inserted AS (
      INSERT INTO ${tables.execution} (maintenance_task_id, instruction, hostname, started_at, last_seen_at)
      SELECT ${taskId}, numbered.instruction, ${hostname}, ${timestamp(now)}, ${timestamp(now)}
      FROM numbered
      ORDER BY numbered.position
      ON CONFLICT (maintenance_task_id, instruction) WHERE ended_at IS NULL DO NOTHING
      RETURNING id, instruction
    ),
    -- MATERIALIZED, and the preserved side of the join: the check runs exactly once, whether or not
    -- anything was inserted (as a join condition the planner would evaluate it per inserted row only).
    -- Counted only with a capacity (an InitPlan runs when first used). The statement's snapshot
    -- does not see its own inserts: this is the count before the claim.
    counted AS MATERIALIZED (
      SELECT CASE WHEN ${capacity}::int4 IS NULL THEN NULL ELSE (
        SELECT count(*)::int4 FROM ${tables.execution} WHERE maintenance_task_id = ${taskId} AND ended_at IS NULL
      ) END AS active
    ),
    checked AS MATERIALIZED (
      SELECT ${tables.assertCombinedClaim}(
        count(*) <= ${limit}::int4 AND coalesce(bool_and(
          numbered.type = ANY(${sql.array(types, 'text')}) AND
          (jsonb_typeof(numbered.instruction) IS DISTINCT FROM 'number' OR abs(numbered.instruction::numeric) <= ${MAXIMUM_SAFE_INTEGER}::numeric)
        ), true),
        format('the claim returned %s rows of type %s (limit %s)', count(*), coalesce(min(numbered.type), '-'), ${limit}::int4),
        'PT001'
      ) AND ${tables.assertCombinedClaim}(
        ${capacity}::int4 IS NULL OR (SELECT counted.active FROM counted) + count(*) <= ${capacity}::int4,
        format('%s active and %s claimed exceed the concurrency of %s', (SELECT counted.active FROM counted), count(*), ${capacity}::int4),
        'PT002'
      ) AS passed, (SELECT counted.active FROM counted) AS active
      FROM numbered
    )
    SELECT checked.passed, checked.active, inserted.id, inserted.instruction
    FROM checked
    LEFT JOIN inserted ON true
    ORDER BY inserted.id NULLS FIRST
  `)).map((row) => ({...row, id: row.id === null ? null : toId(row.id)}));
};

/** Ends a RUNNING execution; false when it is not running (unknown or already ended). */
export const endExecution = async (
  connection: QueryMethods,
  tables: Tables,
  {error, executionId, now, state}: {readonly error: SerializableValue | null; readonly executionId: number; readonly now: number; readonly state: Exclude<ExecutionState, 'RUNNING' | 'TERMINATED'>},
): Promise<boolean> => {
  const result = await connection.query(sql.type(idRow)`
    UPDATE ${tables.execution}
    SET state = ${state}, ended_at = ${timestamp(now)}, error = ${error === null ? sql.fragment`NULL` : sql.jsonb(error)}
    WHERE id = ${executionId} AND ended_at IS NULL
    RETURNING id
  `);

  return result.rowCount > 0;
};

/** Completes the RUNNING executions among `executionIds` in one statement; returns the ids it completed. */
export const completeExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {executionIds, now}: {readonly executionIds: readonly number[]; readonly now: number},
): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    UPDATE ${tables.execution}
    SET state = 'COMPLETED', ended_at = ${timestamp(now)}
    WHERE id = ANY(${sql.array(executionIds, 'int8')}) AND ended_at IS NULL
    RETURNING id
  `)).map(toId);
};

/** Fails the RUNNING executions among `failures` in one statement, each with its error; returns the ids it failed. */
export const failExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {failures, now}: {readonly failures: ReadonlyArray<{readonly error: SerializableValue; readonly id: number}>; readonly now: number},
): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    UPDATE ${tables.execution} e
    SET state = 'FAILED', ended_at = ${timestamp(now)}, error = failure.error
    FROM jsonb_to_recordset(${sql.jsonb(failures)}) AS failure(id int8, error jsonb)
    WHERE e.id = failure.id AND e.ended_at IS NULL
    RETURNING e.id
  `)).map(toId);
};

export const selectRunningExecutionId = async (
  connection: QueryMethods,
  tables: Tables,
  {instruction: value, taskName}: {readonly instruction: TaskInstruction; readonly taskName: string},
): Promise<number | null> => {
  // PostgreSQL holds no NUL in text or jsonb, nor a lone surrogate in jsonb, so no task or execution
  // has one: asking would only fail in the driver (a sink message naming one would be retried forever).
  if (taskName.includes('\u0000') || (typeof value === 'string' && (value.includes('\u0000') || !value.isWellFormed()))) {
    return null;
  }

  const found = await connection.maybeOneFirst(sql.type(idRow)`
    SELECT e.id
    FROM ${tables.execution} e
    JOIN ${tables.task} t ON t.id = e.maintenance_task_id
    WHERE t.nid = ${taskName} AND e.instruction = ${sql.jsonb(value)} AND e.ended_at IS NULL
  `);

  return found === null ? null : toId(found);
};

/** The ids among `executionIds` that are RUNNING. Reads only: no write, no commit to flush. */
export const selectRunningExecutionIds = async (connection: QueryMethods, tables: Tables, {executionIds}: {readonly executionIds: readonly number[]}): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    SELECT id FROM ${tables.execution}
    WHERE id = ANY(${sql.array(executionIds, 'int8')}) AND ended_at IS NULL
  `)).map(toId);
};

/** Refreshes last_seen_at; returns the ids that are still RUNNING. */
export const touchExecutions = async (connection: QueryMethods, tables: Tables, {executionIds, now}: {readonly executionIds: readonly number[]; readonly now: number}): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    UPDATE ${tables.execution}
    SET last_seen_at = ${timestamp(now)}
    WHERE id = ANY(${sql.array(executionIds, 'int8')}) AND ended_at IS NULL
    RETURNING id
  `)).map(toId);
};

/**
 * Terminates RUNNING executions whose heartbeat is older than their task's maximum_execution_duration.
 * Rows another reaper holds are skipped (SKIP LOCKED), so reapers in several processes never clash.
 */
export const terminateStaleExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {batchSize, now, reason}: {readonly batchSize: number; readonly now: number; readonly reason: string},
): Promise<ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string}>> => {
  return (await connection.any(sql.type(terminatedRow)`
    UPDATE ${tables.execution} e
    SET state = 'TERMINATED', ended_at = ${timestamp(now)}, terminated_at = ${timestamp(now)}, terminated_reason = ${reason}
    FROM (
      SELECT stale.id, t.nid
      FROM ${tables.execution} stale
      JOIN ${tables.task} t ON t.id = stale.maintenance_task_id
      WHERE stale.ended_at IS NULL AND stale.last_seen_at < ${timestamp(now)} - t.maximum_execution_duration
      ORDER BY stale.id
      LIMIT ${batchSize}
      FOR UPDATE OF stale SKIP LOCKED
    ) AS reaped
    WHERE e.id = reaped.id AND e.ended_at IS NULL
    RETURNING e.id, e.instruction, reaped.nid AS "taskName"
  `)).map(withNumberId);
};

export const notifyChannels = async (connection: QueryMethods, channels: readonly string[]): Promise<void> => {
  await connection.query(sql.type(empty)`
    SELECT pg_notify(channel, '') FROM unnest(${sql.array(channels, 'text')}) AS channel
  `);
};

/**
 * A row trigger named after the channel: notify_maintenance_task() notifies TG_NAME, so the task's
 * name never appears in the trigger's SQL. CREATE OR REPLACE makes it idempotent (PostgreSQL 14+).
 */
export const createNotifyTrigger = async (
  connection: QueryMethods,
  tables: Tables,
  {channel, columns, table}: {readonly channel: string; readonly columns: readonly string[]; readonly table: readonly string[]},
): Promise<void> => {
  const update = columns.length === 0 ?
    sql.fragment`UPDATE` :
    sql.fragment`UPDATE OF ${sql.join(columns.map((column) => sql.identifier([column])), sql.fragment`, `)}`;

  await connection.query(sql.type(empty)`
    CREATE OR REPLACE TRIGGER ${sql.identifier([channel])}
    AFTER INSERT OR ${update} ON ${sql.identifier(table)}
    FOR EACH ROW EXECUTE FUNCTION ${tables.notifyFunction}()
  `);
};
