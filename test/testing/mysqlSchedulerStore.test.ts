/** The scheduler store kit on MySQL/MariaDB when PLANTON_TEST_MYSQL_URL is set: a fresh table prefix per test. */
import test from 'ava';
import {createPool} from 'mysql2/promise';
import {createMysqlSchedulerStore} from '../../src/scheduler/index.ts';
import {defineSchedulerStoreTests} from '../../src/testing/index.ts';
import {findFreePort} from '../helpers/findFreePort.ts';
import {defineMysqlSchedulerTests} from '../scheduler/helpers/mysqlStores.ts';

defineMysqlSchedulerTests('the scheduler store kit needs PLANTON_TEST_MYSQL_URL', ({createStore}) => {
  defineSchedulerStoreTests({
    createStore,
    // A closed port: mysql2 connects per pool connection, so the first statement (the migration's) is refused.
    createUnreachableStore: async () => {
      const pool = createPool({connectionLimit: 1, uri: `mysql://root@127.0.0.1:${await findFreePort()}/test`});

      try {
        return await createMysqlSchedulerStore({pool});
      } finally {
        await pool.end();
      }
    },
    name: 'mysql',
    test,
  });
});
