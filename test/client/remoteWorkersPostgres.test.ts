// Apart from the PGlite file: PGlite runs in the test's process, and its work would delay these tests' store calls.
import {useServer} from '../helpers/postgres.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {defineRemoteWorkerTests} from './helpers/defineRemoteWorkerTests.ts';

requireEnvironment({skipTitle: 'postgres: the remote worker tests need PLANTON_TEST_DATABASE_URL', variable: 'PLANTON_TEST_DATABASE_URL'}, (url) => {
  defineRemoteWorkerTests(useServer(url));
});
