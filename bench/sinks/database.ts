/**
 * The user table every Planton measurement claims from: `<schema>.item(id, claimed_at)`, all rows
 * eligible, in a fresh schema per measurement (dropped afterwards). SQL through slonik's `sql` tag.
 */
import {randomUUID} from 'node:crypto';
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';

const empty = z.object({});

export const createSchemaName = (system: string): string => {
  return `bench_sinks_${system.replaceAll(/\W/gu, '_')}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
};

/** A pool without slonik's `DISCARD ALL` on release (one round trip per query less; the bench keeps no session state). */
export const createBenchPool = async (url: string, maximumPoolSize: number): Promise<DatabasePool> => {
  return await createPool(url, {
    maximumPoolSize,
    resetConnection: async () => {
      // Nothing to reset.
    },
  });
};

export const createItemTable = async (pool: DatabasePool, schema: string, count: number): Promise<void> => {
  const table = sql.identifier([schema, 'item']);

  await pool.query(sql.type(empty)`CREATE SCHEMA IF NOT EXISTS ${sql.identifier([schema])}`);
  await pool.query(sql.type(empty)`CREATE TABLE ${table} (id integer PRIMARY KEY, claimed_at timestamptz)`);
  await pool.query(sql.type(empty)`CREATE INDEX ON ${table} (id) WHERE claimed_at IS NULL`);
  await pool.query(sql.type(empty)`INSERT INTO ${table} (id) SELECT generate_series(1, ${count}::int4)`);
  await pool.query(sql.type(empty)`VACUUM ANALYZE ${table}`);
};

export const dropSchema = async (pool: DatabasePool, schema: string): Promise<void> => {
  await pool.query(sql.type(empty)`DROP SCHEMA IF EXISTS ${sql.identifier([schema])} CASCADE`);
};

export const countCompleted = async (pool: DatabasePool, schema: string): Promise<number> => {
  return await pool.oneFirst(sql.type(z.object({count: z.number()}))`
    SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'maintenance_task_execution'])} WHERE state = 'COMPLETED'
  `);
};
