import test from 'ava';
import {defineServerSchedulerTests} from '../scheduler/helpers/postgresStores.ts';
import {defineRoutesSuite} from './helpers/defineRoutesSuite.ts';

defineServerSchedulerTests('the HTTP routes on the PostgreSQL server need PLANTON_TEST_DATABASE_URL', ({createStore}) => {
  defineRoutesSuite(test, 'postgres', createStore);
});
