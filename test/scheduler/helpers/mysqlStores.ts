import {randomBytes} from 'node:crypto';
import test from 'ava';
import {createPool, type Pool} from 'mysql2/promise';
import {createMysqlSchedulerStore} from '../../../src/scheduler/index.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import type {SchedulerStoreFactory} from './createHarness.ts';

/** The scheduler's tables under a prefix, children first (the log references the job). */
const TABLES = ['scheduled_job_log', 'scheduled_job', 'scheduled_task', 'scheduler_lock', 'scheduler_migration'];

/** A table prefix no other test uses: `t<16 hex digits>_`. */
export const createTablePrefix = (): string => `t${randomBytes(8).toString('hex')}_`;

/** Drops the scheduler's tables under `prefix` (those that exist). */
export const dropSchedulerTables = async (pool: Pool, prefix: string): Promise<void> => {
  await pool.query(`DROP TABLE IF EXISTS ${TABLES.map((table) => `\`${prefix}${table}\``).join(', ')}`);
};

export type MysqlServer = {
  readonly connectionUri: string;
  /** Scheduler stores on the file's pool, each under a fresh table prefix dropped after its test. */
  readonly createStore: SchedulerStoreFactory;
  /** The file's pool (opened on first use, ended after the file's tests). */
  readonly getPool: () => Promise<Pool>;
  /** A fresh table prefix whose tables are dropped at the test's teardown. */
  readonly usePrefix: (t: {readonly teardown: (callback: () => Promise<void>) => void}) => string;
};

/**
 * Registers a file's tests that need the MySQL/MariaDB server: with PLANTON_TEST_MYSQL_URL set,
 * `define` gets its URI, a store factory and the pool; without it, the "skipped: set …" line and
 * one skipped test titled `mysql: <skipTitle>`.
 */
export const defineMysqlSchedulerTests = (skipTitle: string, define: (server: MysqlServer) => void): void => {
  requireEnvironment({skipTitle: `mysql: ${skipTitle}`, variable: 'PLANTON_TEST_MYSQL_URL'}, (connectionUri) => {
    let pool: Pool | undefined;

    const getPool = async () => {
      pool ??= createPool({connectionLimit: 12, uri: connectionUri});

      return pool;
    };

    test.after.always(async () => {
      await pool?.end();
    });

    define({
      connectionUri,
      createStore: async () => {
        const opened = await getPool();
        const tablePrefix = createTablePrefix();

        return {
          cleanup: async () => {
            await dropSchedulerTables(opened, tablePrefix);
          },
          store: await createMysqlSchedulerStore({pool: opened, tablePrefix}),
        };
      },
      getPool,
      usePrefix: (t) => {
        const prefix = createTablePrefix();

        t.teardown(async () => {
          await dropSchedulerTables(pool ?? await getPool(), prefix);
        });

        return prefix;
      },
    });
  });
};
