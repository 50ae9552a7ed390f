import test from 'ava';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {defineSchedulerStoreTests} from '../../src/testing/index.ts';

defineSchedulerStoreTests({createStore: async () => ({store: createMemorySchedulerStore()}), name: 'memory', test});
