import test from 'ava';
import {defineSchedulerSuite} from './helpers/defineSchedulerSuite.ts';
import {defineMysqlSchedulerTests} from './helpers/mysqlStores.ts';

defineMysqlSchedulerTests('the scheduler suite on MySQL/MariaDB needs PLANTON_TEST_MYSQL_URL', ({createStore}) => {
  defineSchedulerSuite(test, 'mysql', createStore);
});
