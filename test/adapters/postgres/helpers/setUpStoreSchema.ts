import {createPostgresStore} from '../../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresStore, PostgresStoreConfiguration} from '../../../../src/adapters/postgres/types.ts';
import {type Backend, createSchemaName, dropSchema} from '../../../helpers/postgres.ts';

export type StoreSchemaContext = {
  readonly backend: Backend;
  readonly createStore: (configuration?: Partial<PostgresStoreConfiguration>) => Promise<PostgresStore<number>>;
  readonly schema: string;
};

/**
 * Per test: a fresh schema, stores on it (`defaults`, then each call's configuration, over the
 * backend's pool without a reaper) that are terminated, and the schema dropped afterwards.
 */
export const setUpStoreSchema = async (
  t: {teardown: (callback: () => Promise<void>) => void},
  get: () => Promise<Backend>,
  defaults: Partial<PostgresStoreConfiguration> = {},
): Promise<StoreSchemaContext> => {
  const backend = await get();
  const schema = createSchemaName();
  const stores: Array<PostgresStore<number>> = [];

  t.teardown(async () => {
    await Promise.all(stores.map(async (store) => {
      await store.terminate();
    }));
    await dropSchema(backend.pool, schema);
  });

  return {
    backend,
    createStore: async (configuration = {}) => {
      const store = await createPostgresStore<number>({pool: backend.pool, reaperInterval: 0, schema, ...defaults, ...configuration});

      stores.push(store);

      return store;
    },
    schema,
  };
};
