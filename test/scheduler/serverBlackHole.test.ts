/**
 * A network that drops packets instead of refusing connections, on PostgreSQL: the black-holed
 * network suite (helpers/defineBlackHoleTests.ts) on a schema per test.
 */
import {createPool} from 'slonik';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {useFreshSchema} from '../helpers/postgres.ts';
import {defineBlackHoleTests} from './helpers/defineBlackHoleTests.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';

defineServerSchedulerTests('the black-holed network tests need PLANTON_TEST_DATABASE_URL', ({connectionUri, getPool}) => {
  defineBlackHoleTests({
    connectionUri,
    defaultPort: 5_432,
    name: 'postgres',
    openStores: async (t, {proxiedUri, queryTimeout, singleConnection}) => {
      const direct = await getPool();
      const schema = useFreshSchema(t, direct);
      // A connection opened while the network black-holes completes once it heals, however loaded the machine.
      const pool = await createPool(proxiedUri, {connectionTimeout: 60_000, maximumPoolSize: singleConnection ? 1 : undefined});

      return {
        direct: await createPostgresSchedulerStore({pool: direct, schema}),
        end: async () => {
          await pool.end();
        },
        store: await createPostgresSchedulerStore({migrate: false, pool, queryTimeout, schema}),
      };
    },
  });
});
