/** Queries that claim: record RUNNING executions for claimed instructions, and find or fail what a claim whose reply was lost committed. */
import {type QuerySqlToken, type SerializableValue, sql} from 'slonik';
import type {TaskInstruction} from '../../../planton/types.ts';
import type {QueryMethods} from '../createPreparedStatements.ts';
import type {Tables} from './createTables.ts';
import {combinedClaimRow, executionRow, idRow, timestamp, toId, withNumberId} from './rows.ts';

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
