import test from 'ava';
import {createSqliteStores} from '../scheduler/helpers/sqliteStores.ts';
import {defineWebhooksSuite} from './helpers/defineWebhooksSuite.ts';

defineWebhooksSuite(test, 'sqlite', createSqliteStores());
