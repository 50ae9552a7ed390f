import test from 'ava';
import {defineSchedulerSuite} from './helpers/defineSchedulerSuite.ts';
import {createPgliteStores} from './helpers/postgresStores.ts';

const {createStore, end} = createPgliteStores();

test.after.always(async () => {
  await end();
});

defineSchedulerSuite(test, 'pglite', createStore);
