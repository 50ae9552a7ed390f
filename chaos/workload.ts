/**
 * The chaos run's user tables and the statements its processes run on them. Instructions: rows of
 * `<schema>.item`, each run recording itself in `<schema>.item_run` in the same statement that marks
 * the item done. Jobs: each run of a scheduler job records itself in `<schema>.job_run`. Lost and
 * duplicated work is counted from these tables, never from logs.
 */
import {type CommonQueryMethods, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';

const empty = z.object({});

/** The task every dispatcher of a scenario runs. */
export const TASK_NAME = 'chaos_item';

/** A comment the claim query carries, so the cutting proxy knows the claim among the statements. */
export const CLAIM_MARKER = 'chaos-claim';

export const createInstructionTables = async (pool: DatabasePool, schema: string): Promise<void> => {
  await pool.query(sql.type(empty)`CREATE SCHEMA ${sql.identifier([schema])}`);
  await pool.query(sql.type(empty)`
    CREATE TABLE ${sql.identifier([schema, 'item'])} (
      id integer PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      done_at timestamptz
    )
  `);
  await pool.query(sql.type(empty)`CREATE INDEX ON ${sql.identifier([schema, 'item'])} (id) WHERE done_at IS NULL`);
  await pool.query(sql.type(empty)`
    CREATE TABLE ${sql.identifier([schema, 'item_run'])} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      item_id integer NOT NULL,
      execution_id bigint,
      pid integer NOT NULL,
      ran_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )
  `);
};

export const createJobTables = async (pool: DatabasePool, schema: string): Promise<void> => {
  await pool.query(sql.type(empty)`CREATE SCHEMA ${sql.identifier([schema])}`);
  await pool.query(sql.type(empty)`
    CREATE TABLE ${sql.identifier([schema, 'job_run'])} (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      job_id bigint NOT NULL,
      attempt integer NOT NULL,
      pid integer NOT NULL,
      ran_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )
  `);
};

/** Records one run of an item and marks it done, in one statement: a run is on record exactly when its effect is. */
export const recordItemRun = async (connection: CommonQueryMethods, {executionId, itemId, schema}: {
  readonly executionId: number | null;
  readonly itemId: number;
  readonly schema: string;
}): Promise<void> => {
  await connection.query(sql.type(empty)`
    WITH run AS (
      INSERT INTO ${sql.identifier([schema, 'item_run'])} (item_id, execution_id, pid)
      VALUES (${itemId}, ${executionId}, ${process.pid})
    )
    UPDATE ${sql.identifier([schema, 'item'])}
    SET done_at = coalesce(done_at, clock_timestamp())
    WHERE id = ${itemId}
  `);
};

export const recordJobRun = async (connection: CommonQueryMethods, {attempt, jobId, schema}: {
  readonly attempt: number;
  readonly jobId: number;
  readonly schema: string;
}): Promise<void> => {
  await connection.query(sql.type(empty)`
    INSERT INTO ${sql.identifier([schema, 'job_run'])} (job_id, attempt, pid) VALUES (${jobId}, ${attempt}, ${process.pid})
  `);
};

/** Inserts items `from`..`to` (inclusive); a retry after a lost reply inserts nothing twice. */
export const insertItems = async (pool: DatabasePool, {from, schema, to}: {readonly from: number; readonly schema: string; readonly to: number}): Promise<void> => {
  await pool.query(sql.type(empty)`
    INSERT INTO ${sql.identifier([schema, 'item'])} (id)
    SELECT generate_series(${from}::int4, ${to}::int4)
    ON CONFLICT (id) DO NOTHING
  `);
};

/** How many items are not done yet. */
export const countOpenItems = async (pool: DatabasePool, schema: string): Promise<number> => {
  return await pool.oneFirst(sql.type(z.object({count: z.number()}))`
    SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'item'])} WHERE done_at IS NULL
  `);
};
