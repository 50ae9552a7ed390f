import test from 'ava';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {defineSchedulerSuite} from './helpers/defineSchedulerSuite.ts';

defineSchedulerSuite(test, 'memory', async () => ({store: createMemorySchedulerStore()}));
