import test from 'ava';
import {createPgliteStores} from '../scheduler/helpers/postgresStores.ts';
import {defineWebhooksSuite} from './helpers/defineWebhooksSuite.ts';

defineWebhooksSuite(test, 'pglite', createPgliteStores());
