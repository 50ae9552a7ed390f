/**
 * `terminate()` waits for every store call the scheduler started (the ends of jobs, their logs, a
 * task sync, give-backs): none runs after it resolved, so a test (or an application) that drops the
 * schema or ends the pool right after sees no statement fail on a missing relation, nor an
 * unhandled rejection.
 */
import test from 'ava';
import {createPostgresSchedulerStore, createScheduler, type SchedulerStore} from '../../src/scheduler/index.ts';
import {createDeferred, createManualClock, flush} from '../helpers/createManualClock.ts';
import {createSchemaName, dropSchema} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {watchUnhandledRejections} from '../helpers/watchUnhandledRejections.ts';
import {recordSchedulerEvents} from './helpers/createHarness.ts';
import {defineServerSchedulerTests} from './helpers/postgresStores.ts';

const MINUTE = 60_000;
const SYNC_INTERVAL = 5_000;

/** A store whose job and sync calls wait, once it is closed, until it opens; counting those in flight. */
const createGatedStore = (store: SchedulerStore) => {
  const gate = createDeferred<void>();
  const state = {closed: false, inFlight: 0};
  const gated = <Input, Output>(call: (input: Input) => Promise<Output>) => async (input: Input): Promise<Output> => {
    state.inFlight++;

    try {
      if (state.closed) {
        await gate.promise;
      }

      return await call(input);
    } finally {
      state.inFlight--;
    }
  };

  const listTasks = gated(async (_input: undefined) => await store.listTasks());

  return {
    close: () => {
      state.closed = true;
    },
    open: () => {
      state.closed = false;
      gate.resolve();
    },
    state,
    store: {
      ...store,
      finishJobs: gated(store.finishJobs),
      listTasks: async () => await listTasks(undefined),
      recordLog: gated(store.recordLog),
    } satisfies SchedulerStore,
  };
};

defineServerSchedulerTests('the terminate test needs PLANTON_TEST_DATABASE_URL', ({getPool}) => {

  test('postgres: terminate waits for the store calls in flight (a job\'s end, its logs, a task sync); a schema dropped right after sees none of them', async (t) => {
    const unhandled = watchUnhandledRejections(t);
    const pool = await getPool();
    const schema = createSchemaName();
    const gated = createGatedStore(await createPostgresSchedulerStore({pool, schema}));
    const clock = createManualClock(Date.parse('2026-01-01T00:00:00.000Z'));
    const scheduler = await createScheduler({clock, store: gated.store, syncInterval: SYNC_INTERVAL, terminateTimeout: 0});
    const events = recordSchedulerEvents(scheduler);
    const finish = createDeferred<void>();
    let started = false;

    t.teardown(async () => {
      gated.open();
      await scheduler.terminate();
      await dropSchema(pool, schema);
    });

    await scheduler.schedule({name: 'busy', schedule: {date: '2026-01-01T00:01:00.000Z'}, timeout: MINUTE});
    scheduler.addProcessor('busy', async (job) => {
      started = true;
      await finish.promise;
      void job.log('one');
      void job.progress(0.5, 'two');
    });
    // The job starts at 00:01; by 00:01:05 a task sync is due too.
    await clock.advance(MINUTE);
    await until(() => started);
    gated.close();
    void clock.advance(SYNC_INTERVAL);
    finish.resolve();
    // The job's logs, its end and a sync wait at the gate.
    await until(() => gated.state.inFlight >= 4);

    let terminated = false;
    const terminating = scheduler.terminate().then(() => {
      terminated = true;
    });

    await flush(20);
    t.false(terminated, 'terminate waits for the calls in flight');

    gated.open();
    await terminating;
    t.is(gated.state.inFlight, 0, 'none in flight once terminate resolved');

    const errorsBefore = events.error.length;

    await dropSchema(pool, schema);
    await flush(20);

    t.is(events.error.length, errorsBefore, 'no statement after the drop');
    t.deepEqual(unhandled, []);
    t.is(events.error.length, 0, events.error.map(({error}) => String(error)).join('; '));
  });
});
