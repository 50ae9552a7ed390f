import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createSchedulerTables} from './createSchedulerTables.ts';

const empty = z.object({});

/** The first key of the advisory lock that serializes the scheduler's DDL ('schd' in ASCII); the second is hashtext(schema). */
const SCHEDULER_MIGRATION_LOCK_KEY = 0x73_63_68_64;

/**
 * Creates the scheduler's tables in `schema` (created if needed): `scheduled_task`, `scheduled_job`
 * (UNIQUE (task_name, scheduled_for): one job per slot) and `scheduled_job_log`. Idempotent, in one
 * transaction under an advisory lock, so any number of processes may start at once. Kept apart from
 * the core store's numbered migrations (schema.sql), which it neither reads nor changes.
 */
export const applySchedulerMigrations = async ({pool, schema}: {readonly pool: DatabasePool; readonly schema: string}): Promise<void> => {
  const tables = createSchedulerTables(schema);
  const index = (name: string) => sql.identifier([name]);

  await pool.transaction(async (connection) => {
    await connection.query(sql.type(empty)`SELECT pg_advisory_xact_lock(${SCHEDULER_MIGRATION_LOCK_KEY}, hashtext(${schema}))`);
    await connection.query(sql.type(empty)`CREATE SCHEMA IF NOT EXISTS ${sql.identifier([schema])}`);
    await connection.query(sql.type(empty)`
      CREATE TABLE IF NOT EXISTS ${tables.task} (
        name text PRIMARY KEY,
        schedule jsonb NOT NULL,
        timeout_ms double precision NOT NULL CHECK (timeout_ms > 0),
        concurrency integer NOT NULL CHECK (concurrency >= 1),
        misfire text NOT NULL CHECK (misfire IN ('all', 'once', 'skip')),
        retry jsonb NOT NULL,
        payload jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        last_slot timestamptz,
        next_run_at timestamptz
      )
    `);
    await connection.query(sql.type(empty)`
      CREATE TABLE IF NOT EXISTS ${tables.job} (
        id bigserial PRIMARY KEY,
        task_name text NOT NULL,
        scheduled_for timestamptz NOT NULL,
        slot_count integer NOT NULL DEFAULT 1,
        run_at timestamptz NOT NULL,
        state text NOT NULL CHECK (state IN ('CANCELED', 'DONE', 'ERROR', 'RUNNING', 'SCHEDULED', 'WAITING')),
        attempt integer NOT NULL DEFAULT 0,
        no_processor_count integer NOT NULL DEFAULT 0,
        payload jsonb,
        worker text,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        lease_until timestamptz,
        ended_at timestamptz,
        progress double precision,
        step text,
        error jsonb,
        UNIQUE (task_name, scheduled_for)
      )
    `);
    await connection.query(sql.type(empty)`
      CREATE INDEX IF NOT EXISTS ${index('scheduled_job_pending_idx')} ON ${tables.job} (task_name, run_at)
      WHERE state IN ('SCHEDULED', 'WAITING')
    `);
    await connection.query(sql.type(empty)`
      CREATE INDEX IF NOT EXISTS ${index('scheduled_job_running_idx')} ON ${tables.job} (task_name, lease_until)
      WHERE state = 'RUNNING'
    `);
    await connection.query(sql.type(empty)`
      CREATE INDEX IF NOT EXISTS ${index('scheduled_job_started_idx')} ON ${tables.job} (task_name, started_at DESC)
      WHERE started_at IS NOT NULL
    `);
    await connection.query(sql.type(empty)`
      CREATE TABLE IF NOT EXISTS ${tables.log} (
        id bigserial PRIMARY KEY,
        job_id bigint NOT NULL REFERENCES ${tables.job} (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        created_at timestamptz NOT NULL,
        message text,
        progress double precision,
        step text
      )
    `);
    await connection.query(sql.type(empty)`
      CREATE INDEX IF NOT EXISTS ${index('scheduled_job_log_job_idx')} ON ${tables.log} (job_id, id)
    `);
  });
};
