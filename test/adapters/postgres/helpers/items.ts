import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {PostgresClaim, PostgresStore} from '../../../../src/adapters/postgres/types.ts';
import type {TaskEvent} from '../../../../src/index.ts';

const empty = z.object({});

/** A table of work items `[schema].item(id, processed_count)` with `count` rows. */
export const createItems = async (pool: DatabasePool, schema: string, count: number) => {
  await pool.query(sql.type(empty)`CREATE SCHEMA IF NOT EXISTS ${sql.identifier([schema])}`);
  await pool.query(sql.type(empty)`
    CREATE TABLE ${sql.identifier([schema, 'item'])} (
      id integer PRIMARY KEY,
      processed_count integer NOT NULL DEFAULT 0
    )
  `);
  await pool.query(sql.type(empty)`INSERT INTO ${sql.identifier([schema, 'item'])} (id) SELECT generate_series(1, ${count})`);
};

/** Claims unprocessed items that have no RUNNING execution, locking them (FOR UPDATE SKIP LOCKED). */
export const createItemClaim = (schema: string): PostgresClaim<number> => {
  return ({isActiveInstruction, limit}) => sql.type(z.object({id: z.number()}))`
    SELECT i.id
    FROM ${sql.identifier([schema, 'item'])} i
    WHERE i.processed_count = 0 AND NOT ${isActiveInstruction(sql.fragment`i.id`)}
    ORDER BY i.id
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED
  `;
};

/** The processor: does the work (counts it) and completes the execution in one transaction. */
export const processItem = async (pool: DatabasePool, store: PostgresStore<number>, schema: string, event: TaskEvent<number>) => {
  await pool.transaction(async (connection) => {
    await connection.query(sql.type(empty)`
      UPDATE ${sql.identifier([schema, 'item'])} SET processed_count = processed_count + 1 WHERE id = ${event.instruction}
    `);
    await store.completeExecution(event, {connection});
  });
};

export const countItems = async (pool: DatabasePool, schema: string) => {
  return await pool.one(sql.type(z.object({done: z.number(), duplicated: z.number(), total: z.number()}))`
    SELECT
      count(*) FILTER (WHERE processed_count = 1)::int4 AS done,
      count(*) FILTER (WHERE processed_count > 1)::int4 AS duplicated,
      count(*)::int4 AS total
    FROM ${sql.identifier([schema, 'item'])}
  `);
};

export const countExecutions = async (pool: DatabasePool, schema: string) => {
  return await pool.any(sql.type(z.object({count: z.number(), state: z.string()}))`
    SELECT state, count(*)::int4 AS count
    FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
    GROUP BY state
    ORDER BY state
  `);
};

/**
 * Instructions without a COMPLETED execution, with the error codes of their executions. After a
 * broker outage these are the instructions whose publish was confirmed just after its timeout: the
 * sink released the execution (FAILED, `SINK_PUBLISH_FAILED`) while the message was already queued,
 * and a consumer that checked it before the release ran it once and found nothing left to complete.
 */
export const selectUncompletedInstructions = async (pool: DatabasePool, schema: string) => {
  return await pool.any(sql.type(z.object({codes: z.array(z.string().nullable()), instruction: z.unknown()}))`
    SELECT instruction, array_agg(error->>'code') AS codes
    FROM ${sql.identifier([schema, 'maintenance_task_execution'])}
    GROUP BY instruction
    HAVING count(*) FILTER (WHERE state = 'COMPLETED') = 0
  `);
};
