/** The dispatch store kit on PGlite, and on the server when PLANTON_TEST_DATABASE_URL is set. */
import test from 'ava';
import {createPostgresStore} from '../../src/adapters/postgres/createPostgresStore.ts';
import {defineDispatchStoreTests} from '../../src/testing/index.ts';
import {usePglite, useServer} from '../helpers/postgres.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {createPostgresDispatchFixtures, withUnreachableServer} from './helpers/postgresFixtures.ts';

defineDispatchStoreTests({createStore: createPostgresDispatchFixtures(usePglite()), name: 'pglite', test});

requireEnvironment({skipTitle: 'postgres: the dispatch store kit needs PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
  defineDispatchStoreTests({
    createStore: createPostgresDispatchFixtures(useServer(connectionUri)),
    createUnreachableStore: async () => await withUnreachableServer(connectionUri, async (pool) => await createPostgresStore({pool, reaperInterval: 0, schema: 'planton_never_created'})),
    name: 'postgres',
    test,
  });
});
