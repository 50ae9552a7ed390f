import test from 'ava';
import {defineServerSchedulerTests} from '../scheduler/helpers/postgresStores.ts';
import {defineWebhooksSuite} from './helpers/defineWebhooksSuite.ts';

defineServerSchedulerTests('the webhooks on the PostgreSQL server need PLANTON_TEST_DATABASE_URL', ({createStore}) => {
  defineWebhooksSuite(test, 'postgres', createStore);
});
