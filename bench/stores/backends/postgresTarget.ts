/**
 * The PostgreSQL store (on the server or on PGlite, both through a slonik pool) as a benchmark
 * target: the claim of bench/postgres (marks `claimed_at`), the execution counts from its table.
 */
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {PostgresClaim, PostgresStore} from '../../../src/adapters/postgres/types.ts';
import type {DispatchTarget} from '../types.ts';

/**
 * Marks the rows it claims (claimed_at), so it needs no `isActiveInstruction`: a claimed row is no
 * longer eligible. The same query as the raw loop. `= ANY(ARRAY(…))` rather than `IN (…)`: the
 * planner then fetches the locked ids by index instead of hashing a scan of the whole table.
 */
export const createClaim = (schema: string): PostgresClaim<number> => {
  const item = sql.identifier([schema, 'item']);
  // Built once, not per claim: constructing a zod schema costs about a tenth of a millisecond.
  const row = z.object({id: z.number()});

  return ({limit}) => sql.type(row)`
    UPDATE ${item} SET claimed_at = now()
    WHERE id = ANY(ARRAY(
      SELECT id FROM ${item} WHERE claimed_at IS NULL ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ))
    RETURNING id
  `;
};

const counts = z.object({completed: z.number(), running: z.number()});

export const createPostgresDispatchTarget = ({insert, pool, schema, settings, store}: {
  readonly insert: DispatchTarget['insert'];
  readonly pool: DatabasePool;
  readonly schema: string;
  readonly settings: string;
  readonly store: PostgresStore<number>;
}): DispatchTarget => ({
  countExecutions: async () => await pool.one(sql.type(counts)`
    SELECT count(*) FILTER (WHERE ended_at IS NULL)::int4 AS running, count(*) FILTER (WHERE state = 'COMPLETED')::int4 AS completed
    FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
  `),
  createSchedule: () => store.createSchedule(createClaim(schema)),
  insert,
  settings,
  store,
});
