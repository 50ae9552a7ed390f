import test from 'ava';
import {createPgliteStores} from '../scheduler/helpers/postgresStores.ts';
import {defineRoutesSuite} from './helpers/defineRoutesSuite.ts';

defineRoutesSuite(test, 'pglite', createPgliteStores());
