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

export type Tables = SchemaIdentifiers<'admitClaim' | 'assertCombinedClaim' | 'execution' | 'notifyFunction' | 'retry' | 'task'>;

export const createTables = (schema: string): Tables => createSchemaIdentifiers(schema, {
  admitClaim: 'admit_claim',
  assertCombinedClaim: 'assert_combined_claim',
  execution: 'maintenance_task_execution',
  notifyFunction: 'notify_maintenance_task',
  retry: 'maintenance_task_instruction_retry',
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
const failedRow = z.object({attempts: z.number(), dead: z.boolean(), error: z.unknown(), id, instruction, taskName: z.string()});
const endedRow = z.object({attempts: z.number().nullable(), dead: z.boolean().nullable(), error: z.unknown(), id, instruction, taskName: z.string()});
const revivedRow = z.object({id, instruction, taskName: z.string()});
const deadRow = z.object({attempts: z.number(), deadAt: z.number(), error: z.unknown(), executionId: id, instruction, taskName: z.string()});

const timestamp = (now: number) => {
  return sql.fragment`to_timestamp(${now / 1_000})`;
};

/** A FAILED or TERMINATED end: the attempt it counted, and whether it made the instruction dead. */
export type FailedAttempt = {
  readonly attempts: number;
  readonly dead: boolean;
  readonly error: unknown;
  readonly id: number;
  readonly instruction: TaskInstruction;
  readonly taskName: string;
};

/**
 * The CTE `counted` that counts a failed attempt for each row of the CTE `ended` (id,
 * maintenance_task_id, instruction, error: executions that just ended FAILED or TERMINATED) in
 * the instruction's retry row, in the same statement as the end: attempt n is followed by a wait of
 * least(maximum_retry_delay, retry_delay × 2^(n − 1)) (calculateBackoffDelay's rule, with the task
 * row's policy, so an operator's tuning applies at once), and makes the instruction dead once n
 * reaches maximum_attempt_count. Returns per row the attempt count and whether it became dead now.
 * The existing row is read from the statement's snapshot: one instruction has one RUNNING execution
 * at a time, so its ends never race.
 */
const countFailedAttempts = (tables: Tables, now: number) => {
  return sql.fragment`
    attempted AS (
      SELECT
        ended.id, ended.maintenance_task_id, ended.instruction, ended.error, t.nid,
        coalesce(previous.failed_attempt_count, 0) + 1 AS attempts,
        previous.dead_at AS previous_dead_at,
        t.maximum_attempt_count, t.retry_delay, t.maximum_retry_delay
      FROM ended
      JOIN ${tables.task} t ON t.id = ended.maintenance_task_id
      LEFT JOIN ${tables.retry} previous ON previous.maintenance_task_id = ended.maintenance_task_id AND previous.instruction = ended.instruction
    ),
    counted AS (
      INSERT INTO ${tables.retry} AS r (maintenance_task_id, instruction, failed_attempt_count, retry_at, dead_at, last_execution_id, last_error, updated_at)
      SELECT
        a.maintenance_task_id, a.instruction, a.attempts,
        ${timestamp(now)} + least(a.maximum_retry_delay, a.retry_delay * power(2, least(a.attempts - 1, 30))),
        CASE WHEN a.previous_dead_at IS NOT NULL THEN a.previous_dead_at WHEN a.attempts >= a.maximum_attempt_count THEN ${timestamp(now)} END,
        a.id, a.error, ${timestamp(now)}
      FROM attempted a
      ON CONFLICT (maintenance_task_id, instruction) DO UPDATE SET
        failed_attempt_count = excluded.failed_attempt_count,
        retry_at = excluded.retry_at,
        dead_at = excluded.dead_at,
        last_execution_id = excluded.last_execution_id,
        last_error = excluded.last_error,
        updated_at = excluded.updated_at
      RETURNING r.last_execution_id
    )
  `;
};

/** The rows of `attempted` (see countFailedAttempts), as FailedAttempt rows. */
const selectFailedAttempts = sql.fragment`
  SELECT a.id, a.instruction, a.nid AS "taskName", a.attempts, a.error,
    (a.previous_dead_at IS NULL AND a.attempts >= a.maximum_attempt_count) AS dead
  FROM attempted a
  JOIN counted ON counted.last_execution_id = a.id
  ORDER BY a.id
`;

/** The CTE `cleared`: a COMPLETED end (the CTE `ended`) forgets its instruction's failed attempts. */
const clearFailedAttempts = (tables: Tables) => {
  return sql.fragment`
    cleared AS (
      DELETE FROM ${tables.retry} r
      USING ended
      WHERE r.maintenance_task_id = ended.maintenance_task_id AND r.instruction = ended.instruction
    )
  `;
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
  {maxAttempts, maxConcurrentExecutionCount, maxExecutionDuration, maxRetryDelay, retryDelay, taskName}: {
    readonly maxAttempts: number;
    readonly maxConcurrentExecutionCount: number;
    readonly maxExecutionDuration: number;
    readonly maxRetryDelay: number;
    readonly retryDelay: number;
    readonly taskName: string;
  },
): Promise<number> => {
  // A concurrent insert of the same nid commits between our INSERT … DO NOTHING and our statement's
  // snapshot; a second attempt then sees it.
  for (let attempt = 0; ; attempt++) {
    const taskId = await connection.maybeOneFirst(sql.type(idRow)`
      WITH inserted AS (
        INSERT INTO ${tables.task} (nid, maximum_execution_duration, maximum_concurrent_execution_count, maximum_attempt_count, retry_delay, maximum_retry_delay)
        VALUES (
          ${taskName}, make_interval(secs => ${maxExecutionDuration / 1_000}), ${maxConcurrentExecutionCount},
          ${maxAttempts}, make_interval(secs => ${retryDelay / 1_000}), make_interval(secs => ${maxRetryDelay / 1_000})
        )
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
 * Records a RUNNING execution per instruction, each with the claim's `token`. An instruction that
 * already has one (claimed by another process meanwhile) hits the active-execution unique index and
 * is left out of the result. With a `capacity`, admit_claim (migration 3) first takes the task's
 * advisory lock and raises SQLSTATE PT002 when the task's other RUNNING executions plus these
 * instructions exceed it: MATERIALIZED and joined, it runs once, before any row is inserted.
 */
export const insertExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {capacity, hostname, instructions, now, taskId, token}: {readonly capacity: number | null; readonly hostname: string; readonly instructions: readonly TaskInstruction[]; readonly now: number; readonly taskId: number; readonly token: string},
): Promise<ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}>> => {
  return (await connection.any(sql.type(executionRow)`
    WITH admitted AS MATERIALIZED (
      SELECT CASE WHEN ${capacity}::int4 IS NULL THEN NULL ELSE ${tables.admitClaim}(${taskId}::int4, ${token}::uuid, ${instructions.length}::int4, ${capacity}::int4) END AS active
    )
    INSERT INTO ${tables.execution} (maintenance_task_id, instruction, hostname, started_at, last_seen_at, claim_token)
    SELECT ${taskId}, claimed.instruction, ${hostname}, ${timestamp(now)}, ${timestamp(now)}, ${token}::uuid
    FROM admitted, jsonb_array_elements(${sql.jsonb(instructions as SerializableValue)}) WITH ORDINALITY AS claimed (instruction, position)
    ORDER BY claimed.position
    ON CONFLICT (maintenance_task_id, instruction) WHERE ended_at IS NULL DO NOTHING
    RETURNING id, instruction
  `)).map(withNumberId);
};

/**
 * The task's RUNNING executions recorded by the claims of `tokens`: what a claim whose reply was
 * lost committed, if it did.
 */
export const selectClaimedExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {taskId, tokens}: {readonly taskId: number; readonly tokens: readonly string[]},
): Promise<ReadonlyArray<{readonly id: number; readonly instruction: TaskInstruction}>> => {
  return (await connection.any(sql.type(executionRow)`
    SELECT id, instruction
    FROM ${tables.execution}
    WHERE maintenance_task_id = ${taskId} AND ended_at IS NULL AND claim_token = ANY(${sql.array(tokens, 'uuid')})
    ORDER BY id
  `)).map(withNumberId);
};

/**
 * Fails, with `error`, the RUNNING executions of `taskIds` recorded by the claims of `tokens` and
 * those among `executionIds`: what a terminating store found (or might have) claimed but never
 * dispatched.
 */
export const failUndispatchedExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {error, executionIds, now, taskIds, tokens}: {readonly error: SerializableValue; readonly executionIds: readonly number[]; readonly now: number; readonly taskIds: readonly number[]; readonly tokens: readonly string[]},
): Promise<readonly number[]> => {
  // By the tasks' active executions (their index), not the whole history: claim_token has no index.
  return (await connection.anyFirst(sql.type(idRow)`
    UPDATE ${tables.execution}
    SET state = 'FAILED', ended_at = ${timestamp(now)}, error = ${sql.jsonb(error)}
    WHERE maintenance_task_id = ANY(${sql.array(taskIds, 'int4')}) AND ended_at IS NULL
      AND (claim_token = ANY(${sql.array(tokens, 'uuid')}) OR id = ANY(${sql.array(executionIds, 'int8')}))
    RETURNING id
  `)).map(toId);
};

/** Largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER). */
const MAXIMUM_SAFE_INTEGER = '9007199254740991';

/**
 * Runs the claim and records its instructions in ONE self-committing statement (one round trip, no
 * BEGIN/COMMIT, and the instructions never travel to the client and back): the claim's first column
 * becomes `instruction` through the CTE's column alias, and each claimed row gets a RUNNING
 * execution with the claim's `token`, in the claim's order, unless one is already running (the
 * active-execution index). A single statement is atomic: the claim and its records commit together
 * or not at all. Before anything is inserted, `assert_combined_claim` (migration 2) raises SQLSTATE
 * PT001, rolling everything back, when the claim returned more than `limit` rows, a first column
 * whose SQL type is not one of `types`, or a number beyond Number.MAX_SAFE_INTEGER. The first row
 * always exists (the check's, id NULL); the others are the inserted executions. With a `capacity`,
 * `admit_claim` (migration 3) then takes the task's advisory lock (held to the commit) and raises
 * SQLSTATE PT002 when the task's other RUNNING executions, counted after the lock with a fresh
 * snapshot, plus the claimed rows exceed it; every row carries `active`, that count. Claim queries
 * that are themselves a WITH holding an INSERT/UPDATE/DELETE cannot be nested (SQLSTATE 0A000): use
 * `insertExecutions` after the claim, in a transaction, for those.
 */
export const claimAndInsertExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {capacity, claim, hostname, limit, now, taskId, token, types}: {readonly capacity: number | null; readonly claim: QuerySqlToken; readonly hostname: string; readonly limit: number; readonly now: number; readonly taskId: number; readonly token: string; readonly types: readonly string[]},
): Promise<ReadonlyArray<{readonly active: number | null; readonly id: number | null; readonly instruction: unknown; readonly passed: boolean}>> => {
  return (await connection.any(sql.type(combinedClaimRow)`
    WITH claimed (instruction) AS (
      ${claim}
    ),
    numbered AS (
      SELECT to_jsonb(claimed.instruction) AS instruction, pg_typeof(claimed.instruction)::text AS type, row_number() OVER () AS position
      FROM claimed
    ),
    -- MATERIALIZED, and the preserved side of the joins: each check runs exactly once, whether or
    -- not anything is inserted, and (read by the INSERT) before the first row is: a claim that
    -- inserted a row and then waited for the task's lock could deadlock with the holder inserting
    -- the same instruction.
    checked AS MATERIALIZED (
      SELECT ${tables.assertCombinedClaim}(
        count(*) <= ${limit}::int4 AND coalesce(bool_and(
          numbered.type = ANY(${sql.array(types, 'text')}) AND
          (jsonb_typeof(numbered.instruction) IS DISTINCT FROM 'number' OR abs(numbered.instruction::numeric) <= ${MAXIMUM_SAFE_INTEGER}::numeric)
        ), true),
        format('the claim returned %s rows of type %s (limit %s)', count(*), coalesce(min(numbered.type), '-'), ${limit}::int4),
        'PT001'
      ) AS passed, count(*)::int4 AS claimed
      FROM numbered
    ),
    admitted AS MATERIALIZED (
      SELECT checked.passed, CASE WHEN ${capacity}::int4 IS NULL THEN NULL ELSE ${tables.admitClaim}(${taskId}::int4, ${token}::uuid, checked.claimed, ${capacity}::int4) END AS active
      FROM checked
    ),
    inserted AS (
      INSERT INTO ${tables.execution} (maintenance_task_id, instruction, hostname, started_at, last_seen_at, claim_token)
      SELECT ${taskId}, numbered.instruction, ${hostname}, ${timestamp(now)}, ${timestamp(now)}, ${token}::uuid
      FROM admitted, numbered
      ORDER BY numbered.position
      ON CONFLICT (maintenance_task_id, instruction) WHERE ended_at IS NULL DO NOTHING
      RETURNING id, instruction
    )
    SELECT admitted.passed, admitted.active, inserted.id, inserted.instruction
    FROM admitted
    LEFT JOIN inserted ON true
    ORDER BY inserted.id NULLS FIRST
  `)).map((row) => ({...row, id: row.id === null ? null : toId(row.id)}));
};

/**
 * Ends a RUNNING execution: COMPLETED forgets the instruction's failed attempts, FAILED counts one
 * (countFailedAttempts). Resolves with the ended row (`attempts`/`dead` null for COMPLETED), or
 * null when it is not running (unknown or already ended).
 */
export const endExecution = async (
  connection: QueryMethods,
  tables: Tables,
  {error, executionId, now, state}: {readonly error: SerializableValue | null; readonly executionId: number; readonly now: number; readonly state: Exclude<ExecutionState, 'RUNNING' | 'TERMINATED'>},
): Promise<{readonly attempts: number | null; readonly dead: boolean | null; readonly error: unknown; readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string} | null> => {
  const [row = null] = state === 'COMPLETED' ?
    await connection.any(sql.type(endedRow)`
      WITH ended AS (
        UPDATE ${tables.execution}
        SET state = 'COMPLETED', ended_at = ${timestamp(now)}
        WHERE id = ${executionId} AND ended_at IS NULL
        RETURNING id, maintenance_task_id, instruction
      ),
      ${clearFailedAttempts(tables)}
      SELECT ended.id, ended.instruction, t.nid AS "taskName", NULL::int4 AS attempts, NULL::boolean AS dead, NULL::jsonb AS error
      FROM ended
      JOIN ${tables.task} t ON t.id = ended.maintenance_task_id
    `) :
    await connection.any(sql.type(endedRow)`
      WITH ended AS (
        UPDATE ${tables.execution}
        SET state = 'FAILED', ended_at = ${timestamp(now)}, error = ${error === null ? sql.fragment`NULL` : sql.jsonb(error)}
        WHERE id = ${executionId} AND ended_at IS NULL
        RETURNING id, maintenance_task_id, instruction, error
      ),
      ${countFailedAttempts(tables, now)}
      ${selectFailedAttempts}
    `);

  return row === null ? null : withNumberId(row);
};

/** Completes the RUNNING executions among `executionIds` in one statement (forgetting their instructions' failed attempts); returns the ids it completed. */
export const completeExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {executionIds, now}: {readonly executionIds: readonly number[]; readonly now: number},
): Promise<readonly number[]> => {
  return (await connection.anyFirst(sql.type(idRow)`
    WITH ended AS (
      UPDATE ${tables.execution}
      SET state = 'COMPLETED', ended_at = ${timestamp(now)}
      WHERE id = ANY(${sql.array(executionIds, 'int8')}) AND ended_at IS NULL
      RETURNING id, maintenance_task_id, instruction
    ),
    ${clearFailedAttempts(tables)}
    SELECT id FROM ended
  `)).map(toId);
};

/**
 * Fails the RUNNING executions among `failures` in one statement, each with its error, counting a
 * failed attempt of each instruction (countFailedAttempts); returns what it failed.
 */
export const failExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {failures, now}: {readonly failures: ReadonlyArray<{readonly error: SerializableValue; readonly id: number}>; readonly now: number},
): Promise<readonly FailedAttempt[]> => {
  return (await connection.any(sql.type(failedRow)`
    WITH ended AS (
      UPDATE ${tables.execution} e
      SET state = 'FAILED', ended_at = ${timestamp(now)}, error = failure.error
      FROM jsonb_to_recordset(${sql.jsonb(failures)}) AS failure(id int8, error jsonb)
      WHERE e.id = failure.id AND e.ended_at IS NULL
      RETURNING e.id, e.maintenance_task_id, e.instruction, e.error
    ),
    ${countFailedAttempts(tables, now)}
    ${selectFailedAttempts}
  `)).map(withNumberId);
};

/** The code of the error a sink records when it releases an execution whose message the broker did not confirm (SinkPublishError). */
const SINK_RELEASE_CODE = 'SINK_PUBLISH_FAILED';

/**
 * Puts an execution a sink released (FAILED with SINK_PUBLISH_FAILED) back to RUNNING (heartbeat
 * now) and takes back the failed attempt its release counted: its message reached the broker after
 * all (a late confirm, or a worker received it). Null (nothing changed) when the execution is not
 * FAILED by a release, its end is not the last one counted for its instruction (a later attempt
 * ended, or one completed), or another execution of the instruction is RUNNING (the claim took it
 * again meanwhile: that execution's message does the work). `state = 'FAILED'` is repeated in the
 * UPDATE so that of two concurrent revivals the second, rechecking the row, changes nothing.
 */
export const reviveExecution = async (
  connection: QueryMethods,
  tables: Tables,
  {executionId, now}: {readonly executionId: number; readonly now: number},
): Promise<{readonly id: number; readonly instruction: TaskInstruction; readonly taskName: string} | null> => {
  const [row = null] = await connection.any(sql.type(revivedRow)`
    WITH revivable AS (
      SELECT e.id, e.maintenance_task_id, e.instruction
      FROM ${tables.execution} e
      JOIN ${tables.retry} r ON r.maintenance_task_id = e.maintenance_task_id AND r.instruction = e.instruction AND r.last_execution_id = e.id
      WHERE e.id = ${executionId} AND e.state = 'FAILED' AND e.error->>'code' = ${SINK_RELEASE_CODE}
        AND NOT EXISTS (
          SELECT 1 FROM ${tables.execution} active_execution
          WHERE active_execution.maintenance_task_id = e.maintenance_task_id
            AND active_execution.instruction = e.instruction
            AND active_execution.ended_at IS NULL
        )
    ),
    revived AS (
      UPDATE ${tables.execution} e
      SET state = 'RUNNING', ended_at = NULL, error = NULL, last_seen_at = ${timestamp(now)}
      FROM revivable
      WHERE e.id = revivable.id AND e.state = 'FAILED'
      RETURNING e.id, e.maintenance_task_id, e.instruction
    ),
    uncounted AS (
      UPDATE ${tables.retry} r
      SET failed_attempt_count = r.failed_attempt_count - 1, retry_at = ${timestamp(now)}, dead_at = NULL, updated_at = ${timestamp(now)}
      FROM revived
      WHERE r.maintenance_task_id = revived.maintenance_task_id AND r.instruction = revived.instruction
    )
    SELECT revived.id, revived.instruction, t.nid AS "taskName"
    FROM revived
    JOIN ${tables.task} t ON t.id = revived.maintenance_task_id
  `);

  return row === null ? null : withNumberId(row);
};

/**
 * Forgets the failed attempts of an instruction (dead or waiting for its retry): it is claimable
 * again at once, from attempt 1. False when it had none.
 */
export const deleteInstructionRetry = async (
  connection: QueryMethods,
  tables: Tables,
  {instruction: value, taskName}: {readonly instruction: TaskInstruction; readonly taskName: string},
): Promise<boolean> => {
  const result = await connection.query(sql.type(empty)`
    DELETE FROM ${tables.retry} r
    USING ${tables.task} t
    WHERE t.nid = ${taskName} AND r.maintenance_task_id = t.id AND r.instruction = ${sql.jsonb(value)}
  `);

  return result.rowCount > 0;
};

/** The dead instructions, newest first (of one task when `taskName` is given). */
export const selectDeadInstructions = async (
  connection: QueryMethods,
  tables: Tables,
  {limit, taskName}: {readonly limit: number; readonly taskName: string | null},
): Promise<ReadonlyArray<z.infer<typeof deadRow>>> => {
  return (await connection.any(sql.type(deadRow)`
    SELECT
      t.nid AS "taskName", r.instruction, r.failed_attempt_count AS attempts, r.last_error AS error,
      r.last_execution_id AS "executionId", (extract(epoch FROM r.dead_at) * 1000)::float8 AS "deadAt"
    FROM ${tables.retry} r
    JOIN ${tables.task} t ON t.id = r.maintenance_task_id
    WHERE r.dead_at IS NOT NULL AND (${taskName}::text IS NULL OR t.nid = ${taskName}::text)
    ORDER BY r.dead_at DESC, r.last_execution_id DESC
    LIMIT ${limit}
  `)).map((row) => ({...row, executionId: toId(row.executionId)}));
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
 * Terminates RUNNING executions whose heartbeat is older than their task's maximum_execution_duration,
 * counting a failed attempt of each instruction (countFailedAttempts): work that crashes its
 * process every time ends dead too. Rows another reaper holds are skipped (SKIP LOCKED), so
 * reapers in several processes never clash.
 */
export const terminateStaleExecutions = async (
  connection: QueryMethods,
  tables: Tables,
  {batchSize, now, reason}: {readonly batchSize: number; readonly now: number; readonly reason: string},
): Promise<readonly FailedAttempt[]> => {
  return (await connection.any(sql.type(failedRow)`
    WITH ended AS (
      UPDATE ${tables.execution} e
      SET state = 'TERMINATED', ended_at = ${timestamp(now)}, terminated_at = ${timestamp(now)}, terminated_reason = ${reason}
      FROM (
        SELECT stale.id
        FROM ${tables.execution} stale
        JOIN ${tables.task} t ON t.id = stale.maintenance_task_id
        WHERE stale.ended_at IS NULL AND stale.last_seen_at < ${timestamp(now)} - t.maximum_execution_duration
        ORDER BY stale.id
        LIMIT ${batchSize}
        FOR UPDATE OF stale SKIP LOCKED
      ) AS reaped
      WHERE e.id = reaped.id AND e.ended_at IS NULL
      RETURNING e.id, e.maintenance_task_id, e.instruction, jsonb_build_object('code', 'EXECUTION_TERMINATED', 'message', e.terminated_reason) AS error
    ),
    ${countFailedAttempts(tables, now)}
    ${selectFailedAttempts}
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
