/**
 * SQLite on a file in a fresh temporary directory (removed at the end), through `node:sqlite`.
 * No notifications: the store's poll of `PRAGMA data_version` (`pollInterval`, default 250 ms) is
 * what wakes an idle task for a row another connection committed.
 */
import {mkdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import type {SqliteClaim} from '../../../src/adapters/sqlite/types.ts';
import {createSqliteSchedulerStore} from '../../../src/scheduler/index.ts';
import type {StoreBackend} from '../types.ts';

/** The PostgreSQL claim's equivalent in one statement: mark up to `limit` unclaimed rows, return their ids. */
const claim: SqliteClaim<number> = ({limit, query}) => {
  return query('UPDATE item SET claimed_at = ? WHERE id IN (SELECT id FROM item WHERE claimed_at IS NULL ORDER BY id LIMIT ?) RETURNING id', Date.now(), limit)
    .map((row) => Number(row.id));
};

/** The measurement's own directory under the OS's temporary one: the database file and its -wal and -shm. */
const directoryOf = (name: string) => join(tmpdir(), name);

const openFile = async (name: string) => {
  const directory = directoryOf(name);

  await mkdir(directory);

  return {
    filename: join(directory, 'bench.sqlite'),
    remove: async () => {
      await rm(directory, {force: true, recursive: true});
    },
  };
};

/** Another connection on the file: a writer apart from the store's, as another process would be. */
const openConnection = (filename: string): DatabaseSync => new DatabaseSync(filename, {timeout: 5_000});

export const sqliteBackend: StoreBackend = {
  openDispatch: async ({items, name}) => {
    const {filename, remove} = await openFile(name);
    const store = await createSqliteStore<number>({filename, heartbeatInterval: 60_000, reaperInterval: 0});
    const producer = openConnection(filename);

    try {
      producer.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, claimed_at INTEGER)');
      producer.exec('CREATE INDEX item_unclaimed ON item (id) WHERE claimed_at IS NULL');
      producer.prepare('WITH RECURSIVE n(id) AS (SELECT 1 WHERE ?1 > 0 UNION ALL SELECT id + 1 FROM n WHERE id < ?1) INSERT INTO item (id) SELECT id FROM n').run(items);
      producer.exec('ANALYZE');
    } catch (error) {
      producer.close();
      await store.terminate();
      await remove();
      throw error;
    }

    const counts = producer.prepare("SELECT count(*) FILTER (WHERE ended_at IS NULL) AS running, count(*) FILTER (WHERE state = 'COMPLETED') AS completed FROM planton_maintenance_task_execution");
    const insert = producer.prepare('INSERT INTO item (id) VALUES (?)');

    return {
      close: async () => {
        try {
          producer.close();
          await store.terminate();
        } finally {
          await remove();
        }
      },
      countExecutions: async () => {
        const row = counts.get() as {readonly completed: number; readonly running: number};

        return {completed: Number(row.completed), running: Number(row.running)};
      },
      createSchedule: () => store.createSchedule(claim),
      insert: async (id) => {
        insert.run(id);
      },
      settings: "a file in the OS's temporary directory (WAL, synchronous NORMAL), one node:sqlite connection for the store and one for the user table's writes; claim: UPDATE … RETURNING; wake-ups: the store's poll of PRAGMA data_version (pollInterval 250 ms, the default)",
      store,
    };
  },
  openScheduler: async ({name}) => {
    const {filename, remove} = await openFile(name);
    const store = await createSqliteSchedulerStore({filename});

    return {
      close: async () => {
        try {
          await store.close();
        } finally {
          await remove();
        }
      },
      counter: null,
      insertDueJobs: async ({count, due, taskNames}) => {
        const connection = openConnection(filename);

        try {
          const insert = connection.prepare("INSERT INTO planton_scheduled_job (task_name, scheduled_for, run_at, slot_count, state, created_at) VALUES (?, ?, ?, 1, 'SCHEDULED', ?)");

          connection.exec('BEGIN');

          for (let n = 1; n <= count; n++) {
            insert.run(taskNames[n % taskNames.length] ?? '', due - n, due - n, Date.now());
          }

          connection.exec('COMMIT');
          connection.exec('ANALYZE');
        } finally {
          connection.close();
        }
      },
      settings: "a file in the OS's temporary directory (WAL, synchronous NORMAL)",
      store,
    };
  },
  removeLeftovers: async (name) => {
    await rm(directoryOf(name), {force: true, recursive: true});
  },
};
