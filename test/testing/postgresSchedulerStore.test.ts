/** The scheduler store kit on PGlite, and on the server when PLANTON_TEST_DATABASE_URL is set. */
import test from 'ava';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {defineSchedulerStoreTests} from '../../src/testing/index.ts';
import {usePglite, useServer} from '../helpers/postgres.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {createStoreFactory} from '../scheduler/helpers/postgresStores.ts';
import {withUnreachableServer} from './helpers/postgresFixtures.ts';

defineSchedulerStoreTests({createStore: createStoreFactory(usePglite()), name: 'pglite', test});

requireEnvironment({skipTitle: 'postgres: the scheduler store kit needs PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (connectionUri) => {
  defineSchedulerStoreTests({
    createStore: createStoreFactory(useServer(connectionUri)),
    createUnreachableStore: async () => await withUnreachableServer(connectionUri, async (pool) => await createPostgresSchedulerStore({pool, schema: 'planton_never_created'})),
    name: 'postgres',
    test,
  });
});
