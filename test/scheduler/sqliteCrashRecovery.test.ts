/**
 * A scheduler process on a SQLite file killed (SIGKILL) while its jobs run: the file stays usable
 * (SQLite releases a dead process's locks, and the WAL replays what it committed), and another
 * instance recovers the jobs after their lease (helpers/stuckJobRecovery.ts).
 */
import test from 'ava';
import {createSqliteSchedulerStore} from '../../src/scheduler/index.ts';
import {createSqliteDirectory} from './helpers/sqliteStores.ts';
import {killStuckJobWorker, recoverStuckJobs} from './helpers/stuckJobRecovery.ts';

test('sqlite: jobs of a scheduler process killed (SIGKILL) while they run are found by another process\'s instance after their timeout plus leaseGrace, fail with job_timed_out, and run again there', async (t) => {
  t.timeout(180_000);

  const {filename, remove} = await createSqliteDirectory();
  const store = await createSqliteSchedulerStore({filename});

  t.teardown(async () => {
    await store.close();
    await remove();
  });

  await recoverStuckJobs(t, store, await killStuckJobWorker(t, store, {FILENAME: filename}));
});
