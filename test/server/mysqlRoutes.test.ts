import test from 'ava';
import {defineMysqlSchedulerTests} from '../scheduler/helpers/mysqlStores.ts';
import {defineRoutesSuite} from './helpers/defineRoutesSuite.ts';

defineMysqlSchedulerTests('the HTTP routes on MySQL/MariaDB need PLANTON_TEST_MYSQL_URL', ({createStore}) => {
  defineRoutesSuite(test, 'mysql', createStore);
});
