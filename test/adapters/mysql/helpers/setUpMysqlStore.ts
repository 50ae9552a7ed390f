import type {Pool} from 'mysql2/promise';
import {createMysqlStore} from '../../../../src/adapters/mysql/createMysqlStore.ts';
import type {MysqlStore, MysqlStoreConfiguration} from '../../../../src/adapters/mysql/types.ts';
import {useFreshDatabase} from '../../../helpers/mysql.ts';

export type MysqlStoreContext = {
  readonly createStore: (configuration?: Partial<MysqlStoreConfiguration>) => Promise<MysqlStore<number>>;
  readonly database: string;
};

/**
 * Per test: a fresh database, stores on it (over `pool`, without reaper or polling unless given)
 * that are terminated, and the database dropped afterwards.
 */
export const setUpMysqlStore = (t: {teardown: (callback: () => Promise<void>) => void}, pool: Pool): MysqlStoreContext => {
  const stores: Array<MysqlStore<number>> = [];

  // Registered first, so it runs after the stores are terminated (teardowns run in reverse).
  const database = useFreshDatabase(t, pool);

  t.teardown(async () => {
    await Promise.all(stores.map(async (store) => {
      await store.terminate();
    }));
  });

  return {
    createStore: async (configuration = {}) => {
      const store = await createMysqlStore<number>({database, pollInterval: 0, pool, reaperInterval: 0, ...configuration});

      stores.push(store);

      return store;
    },
    database,
  };
};
