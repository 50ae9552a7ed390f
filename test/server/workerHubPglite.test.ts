import {usePglite} from '../helpers/postgres.ts';
import {defineWorkerHubTests} from './helpers/defineWorkerHubTests.ts';

defineWorkerHubTests(usePglite());
