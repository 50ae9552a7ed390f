import type {DatabasePool} from 'slonik';
import {createPostgresSchedulerStore} from '../../../src/scheduler/index.ts';
import {type BackendHandle, createSchemaName, dropSchema, usePglite, useServer} from '../../helpers/postgres.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import type {SchedulerStoreFactory} from './createHarness.ts';

/** Scheduler stores on the backend's pool, each in a fresh schema that is dropped after its test. */
export const createStoreFactory = (backend: BackendHandle): SchedulerStoreFactory => {
  return async () => {
    const {pool} = await backend.get();
    const schema = createSchemaName();

    return {
      cleanup: async () => {
        await dropSchema(pool, schema);
      },
      store: await createPostgresSchedulerStore({pool, schema}),
    };
  };
};

/** Scheduler stores on one PGlite for the file (it takes seconds to start), a fresh schema per test. */
export const createPgliteStores = (): SchedulerStoreFactory => createStoreFactory(usePglite());

/**
 * Registers a file's tests that need the PostgreSQL server: with PLANTON_TEST_DATABASE_URL set,
 * `define` gets its URI, a store factory and the pool (ended after the file); without it, the
 * "skipped: set …" line and one skipped test titled `postgres: <skipTitle>`.
 */
export const defineServerSchedulerTests = (skipTitle: string, define: (server: {
  readonly connectionUri: string;
  readonly createStore: SchedulerStoreFactory;
  readonly getPool: () => Promise<DatabasePool>;
}) => void): void => {
  requireEnvironment({skipTitle: `postgres: ${skipTitle}`, variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
    const server = useServer(connectionUri);

    define({
      connectionUri,
      createStore: createStoreFactory(server),
      getPool: async () => (await server.get()).pool,
    });
  });
};
