import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {createSqliteSchedulerStore, type SqliteSchedulerStoreConfiguration} from '../../../src/scheduler/index.ts';
import type {SchedulerStoreFactory} from './createHarness.ts';

/** A fresh temporary directory for database files: its path, and `remove()` that deletes it with everything in it. */
export const createSqliteDirectory = async (): Promise<{readonly directory: string; readonly filename: string; readonly remove: () => Promise<void>}> => {
  const directory = await mkdtemp(path.join(tmpdir(), 'planton-sqlite-scheduler-'));

  return {
    directory,
    filename: path.join(directory, 'planton.db'),
    remove: async () => {
      await rm(directory, {force: true, recursive: true});
    },
  };
};

/** Scheduler stores each on a fresh database file in a fresh temporary directory, closed and removed after the test. */
export const createSqliteStores = (configuration: Omit<SqliteSchedulerStoreConfiguration, 'database' | 'filename'> = {}): SchedulerStoreFactory => {
  return async () => {
    const {filename, remove} = await createSqliteDirectory();
    const store = await createSqliteSchedulerStore({...configuration, filename});

    return {
      cleanup: async () => {
        await store.close();
        await remove();
      },
      store,
    };
  };
};
