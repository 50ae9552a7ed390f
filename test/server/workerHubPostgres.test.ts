// Apart from the PGlite file: PGlite runs in the test's process, and its work would delay these tests' store calls.
import {useServer} from '../helpers/postgres.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {defineWorkerHubTests} from './helpers/defineWorkerHubTests.ts';

requireEnvironment({skipTitle: 'postgres: the worker hub tests need PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (url) => {
  defineWorkerHubTests(useServer(url));
});
