/** The scheduler store kit on SQLite: a fresh temporary file per test, and a file that cannot be opened. */
import path from 'node:path';
import test from 'ava';
import {createSqliteSchedulerStore} from '../../src/scheduler/index.ts';
import {defineSchedulerStoreTests} from '../../src/testing/index.ts';
import {createSqliteDirectory, createSqliteStores} from '../scheduler/helpers/sqliteStores.ts';

defineSchedulerStoreTests({
  createStore: createSqliteStores(),
  createUnreachableStore: async () => {
    const {directory, remove} = await createSqliteDirectory();

    try {
      return await createSqliteSchedulerStore({filename: path.join(directory, 'missing', 'planton.db')});
    } finally {
      await remove();
    }
  },
  name: 'sqlite',
  test,
});
