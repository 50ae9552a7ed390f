import test from 'ava';
import {createSqliteStores} from '../scheduler/helpers/sqliteStores.ts';
import {defineRoutesSuite} from './helpers/defineRoutesSuite.ts';

defineRoutesSuite(test, 'sqlite', createSqliteStores());
