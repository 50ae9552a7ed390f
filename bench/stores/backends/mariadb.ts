/**
 * MariaDB (PLANTON_BENCH_MYSQL_URL, else PLANTON_TEST_MYSQL_URL, else the local server) through a
 * mysql2 pool: a fresh database per measurement holding the store's tables and the user table,
 * dropped at the end. No LISTEN/NOTIFY: the store's poll (`pollInterval`, default 1 s) is what
 * wakes an idle task for a row another connection inserted.
 */
import {createConnection, createPool, type Pool, type RowDataPacket} from 'mysql2/promise';
import {createMysqlStore} from '../../../src/adapters/mysql/createMysqlStore.ts';
import type {MysqlClaim} from '../../../src/adapters/mysql/types.ts';
import {createMysqlSchedulerStore} from '../../../src/scheduler/index.ts';
import type {StoreBackend} from '../types.ts';

const URL = process.env.PLANTON_BENCH_MYSQL_URL ?? process.env.PLANTON_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
/** As the PostgreSQL server's pools. */
const POOL_SIZE = 6;
const SCHEDULER_POOL_SIZE = 10;
/** Rows per multi-row INSERT when filling tables. */
const INSERT_CHUNK = 5_000;

/**
 * The PostgreSQL claim's equivalent: lock unclaimed rows, mark them claimed (MySQL's UPDATE returns
 * no rows, hence two statements on the claim's transaction), return their ids.
 */
const createClaim = (database: string): MysqlClaim<number> => {
  return async ({connection, limit}) => {
    const [rows] = await connection.query<RowDataPacket[]>(`SELECT id FROM \`${database}\`.item WHERE claimed_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, [limit]);
    const ids = rows.map((row) => Number(row.id));

    if (ids.length > 0) {
      await connection.query(`UPDATE \`${database}\`.item SET claimed_at = ? WHERE id IN (?)`, [Date.now(), ids]);
    }

    return ids;
  };
};

const insertChunked = async (pool: Pool, statement: string, rows: readonly unknown[][]): Promise<void> => {
  for (let index = 0; index < rows.length; index += INSERT_CHUNK) {
    await pool.query(statement, [rows.slice(index, index + INSERT_CHUNK)]);
  }
};

const openDatabase = async (database: string, poolSize: number) => {
  const pool = createPool({connectionLimit: poolSize, uri: URL});

  await pool.query(`CREATE DATABASE \`${database}\``);

  return {
    database,
    drop: async () => {
      try {
        await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await pool.end();
      }
    },
    pool,
  };
};

export const mariadbBackend: StoreBackend = {
  openDispatch: async ({items, name}) => {
    const {database, drop, pool} = await openDatabase(name, POOL_SIZE);
    const producer = await createConnection({uri: URL}).catch(async (error: unknown) => {
      await drop();
      throw error;
    });

    try {
      const store = await createMysqlStore<number>({database, heartbeatInterval: 60_000, pool, reaperInterval: 0});

      await pool.query(`CREATE TABLE \`${database}\`.item (id INT NOT NULL PRIMARY KEY, claimed_at BIGINT NULL, KEY item_unclaimed (claimed_at, id)) ENGINE=InnoDB`);
      await insertChunked(pool, `INSERT INTO \`${database}\`.item (id) VALUES ?`, Array.from({length: items}, (_, index) => [index + 1]));
      await pool.query(`ANALYZE TABLE \`${database}\`.item`);

      const claim = createClaim(database);

      return {
        close: async () => {
          try {
            await store.terminate();
            await producer.end();
          } finally {
            await drop();
          }
        },
        countExecutions: async () => {
          const [rows] = await pool.query<RowDataPacket[]>(`SELECT COALESCE(SUM(ended_at IS NULL), 0) AS running, COALESCE(SUM(state = 'COMPLETED'), 0) AS completed FROM \`${database}\`.planton_maintenance_task_execution`);

          return {completed: Number(rows[0]?.completed), running: Number(rows[0]?.running)};
        },
        createSchedule: () => store.createSchedule(claim),
        insert: async (id) => {
          await producer.query(`INSERT INTO \`${database}\`.item (id) VALUES (?)`, [id]);
        },
        settings: `MariaDB server, mysql2 pool ${POOL_SIZE}; claim: SELECT … FOR UPDATE SKIP LOCKED then UPDATE claimed_at; wake-ups: the store's poll (pollInterval 1,000 ms, the default)`,
        store,
      };
    } catch (error) {
      await producer.end().catch(() => undefined);
      await drop();
      throw error;
    }
  },
  openScheduler: async ({name}) => {
    const {database, drop, pool} = await openDatabase(name, SCHEDULER_POOL_SIZE);

    try {
      return {
        close: drop,
        counter: null,
        insertDueJobs: async ({count, due, taskNames}) => {
          const rows = Array.from({length: count}, (_, index) => [taskNames[(index + 1) % taskNames.length], due - index - 1, due - index - 1, 1, 'SCHEDULED', Date.now()]);

          await insertChunked(pool, `INSERT INTO \`${database}\`.planton_scheduled_job (task_name, scheduled_for, run_at, slot_count, state, created_at) VALUES ?`, rows);
          await pool.query(`ANALYZE TABLE \`${database}\`.planton_scheduled_job`);
        },
        settings: `MariaDB server, mysql2 pool ${SCHEDULER_POOL_SIZE}`,
        store: await createMysqlSchedulerStore({database, pool}),
      };
    } catch (error) {
      await drop();
      throw error;
    }
  },
  removeLeftovers: async (name) => {
    const pool = createPool({connectionLimit: 1, uri: URL});

    try {
      await pool.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await pool.end();
    }
  },
};
