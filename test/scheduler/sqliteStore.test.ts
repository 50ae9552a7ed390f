import test from 'ava';
import {defineSchedulerSuite} from './helpers/defineSchedulerSuite.ts';
import {createSqliteStores} from './helpers/sqliteStores.ts';

defineSchedulerSuite(test, 'sqlite', createSqliteStores());
