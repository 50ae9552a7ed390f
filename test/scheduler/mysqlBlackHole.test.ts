/**
 * A network that drops packets instead of refusing connections, on MySQL/MariaDB: the black-holed
 * network suite (helpers/defineBlackHoleTests.ts) under a table prefix per test.
 */
import {createPool} from 'mysql2/promise';
import {createMysqlSchedulerStore} from '../../src/scheduler/index.ts';
import {defineBlackHoleTests} from './helpers/defineBlackHoleTests.ts';
import {defineMysqlSchedulerTests} from './helpers/mysqlStores.ts';

defineMysqlSchedulerTests('the black-holed network tests need PLANTON_TEST_MYSQL_URL', ({connectionUri, getPool, usePrefix}) => {
  defineBlackHoleTests({
    connectionUri,
    defaultPort: 3_306,
    name: 'mysql',
    openStores: async (t, {proxiedUri, queryTimeout, singleConnection}) => {
      const tablePrefix = usePrefix(t);
      // A connection opened while the network black-holes completes once it heals, however loaded the machine.
      const pool = createPool({connectTimeout: 60_000, connectionLimit: singleConnection ? 1 : 10, uri: proxiedUri});

      return {
        direct: await createMysqlSchedulerStore({pool: await getPool(), tablePrefix}),
        end: async () => {
          await pool.end();
        },
        store: await createMysqlSchedulerStore({migrate: false, pool, queryTimeout, tablePrefix}),
      };
    },
  });
});
