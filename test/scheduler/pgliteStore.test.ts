import test from 'ava';
import {defineSchedulerSuite} from './helpers/defineSchedulerSuite.ts';
import {createPgliteStores} from './helpers/postgresStores.ts';

defineSchedulerSuite(test, 'pglite', createPgliteStores());
