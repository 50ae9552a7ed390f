import {usePglite} from '../helpers/postgres.ts';
import {defineRemoteWorkerTests} from './helpers/defineRemoteWorkerTests.ts';

defineRemoteWorkerTests(usePglite());
