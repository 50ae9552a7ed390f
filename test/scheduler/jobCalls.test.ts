/**
 * The calls a processor makes on its job (`log`, `progress`, `done`, `fail`) when the store fails
 * under them: coded answers to whoever awaits or calls back, one `error` event each, and never an
 * unhandled rejection for a call nobody awaits.
 */
import test from 'ava';
import {createMemorySchedulerStore, createPostgresSchedulerStore, type SchedulerStore, ServerUnreachableError} from '../../src/scheduler/index.ts';
import {useFreshSchema, usePglite} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {watchUnhandledRejections} from '../helpers/watchUnhandledRejections.ts';
import {createHarness, recordSchedulerEvents} from './helpers/createHarness.ts';

const MINUTE = 60_000;
const at = (time: string) => `2026-01-01T${time}.000Z`;
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {code: 'ECONNREFUSED'});

/** A memory store whose `recordLog` rejects as a store whose server is gone, while `down` is set. */
const createFlakyLogStore = () => {
  const store = createMemorySchedulerStore();
  const state = {down: false};

  return {
    state,
    store: {
      ...store,
      recordLog: async (input) => {
        if (state.down) {
          throw new ServerUnreachableError(refused);
        }

        return await store.recordLog(input);
      },
    } satisfies SchedulerStore,
  };
};

test('log and progress that nobody awaits, while the store is down, reject into no void: each failure is one error event', async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const flaky = createFlakyLogStore();
  const h = await createHarness(t, async () => ({store: flaky.store}));
  const scheduler = await h.createScheduler();
  const events = recordSchedulerEvents(scheduler);

  await scheduler.schedule({name: 'logged', schedule: {date: at('00:01:00')}, timeout: 10_000});
  scheduler.addProcessor('logged', async (job) => {
    flaky.state.down = true;
    void job.log('fire and forget');
    void job.progress(0.5, 'halfway');
    // A caller that awaits, or passes a callback, gets the coded error too.
    await t.throwsAsync(job.log('awaited'), {code: 'server_unreachable'});

    const calledBack = await new Promise<Error | null>((resolve) => {
      void job.log('with a callback', resolve);
    });

    t.like(calledBack, {code: 'server_unreachable'});
    flaky.state.down = false;
  });

  await h.clock.advance(MINUTE);
  await until(() => events.succeeded.length === 1);
  await until(() => events.error.length === 4);

  t.deepEqual(unhandled, []);
  t.deepEqual(events.error.map(({error, taskName}) => [(error as Error & {code: string}).code, taskName]), Array.from({length: 4}, () => ['server_unreachable', 'logged']));
});

const pglite = usePglite();

test('done() while the server cannot be reached answers server_unreachable, awaited or called back, and the job is not lost', async (t) => {
  const {pool} = await pglite.get();
  const schema = useFreshSchema(t, pool);
  const server = {gone: false};
  // The pool as a pool whose server is gone: every call fails as slonik's does on a refused connection.
  const cutPool = new Proxy(pool, {
    get: (target, property) => {
      const value: unknown = Reflect.get(target, property);

      return typeof value === 'function' ? async (...parameters: unknown[]) => {
        if (server.gone) {
          throw refused;
        }

        return await (value as (...values: unknown[]) => Promise<unknown>).apply(target, parameters);
      } : value;
    },
  });
  const store = await createPostgresSchedulerStore({pool: cutPool, schema});
  const h = await createHarness(t, async () => ({store}));
  const scheduler = await h.createScheduler({leaseGrace: 1_000});
  const events = recordSchedulerEvents(scheduler);
  const answers: Array<Promise<unknown>> = [];

  for (const name of ['awaited', 'called-back']) {
    await scheduler.schedule({name, retry: {attempts: 1}, schedule: {date: at('00:01:00')}, timeout: 5_000});
  }

  scheduler.addProcessor('awaited', (job) => {
    answers.push(job.done().catch((error: unknown) => error));
  });
  scheduler.addProcessor('called-back', (job) => {
    answers.push(new Promise((resolve) => {
      void job.done(resolve);
    }));
  });

  // Both jobs are claimed ahead of their time; the server goes before they start.
  await h.clock.advance(MINUTE - 300);
  await until(async () => (await store.listJobs({limit: 500, taskName: 'called-back'}))[0]?.state === 'RUNNING' && (await store.listJobs({limit: 500, taskName: 'awaited'}))[0]?.state === 'RUNNING');
  server.gone = true;
  await h.clock.advance(300);
  await until(() => answers.length === 2);

  const [awaited, calledBack] = await Promise.all(answers);

  t.like(awaited, {cause: refused, code: 'server_unreachable'});
  t.like(calledBack, {cause: refused, code: 'server_unreachable'});
  t.deepEqual(events.error.filter(({taskName}) => taskName !== null).map(({error, taskName}) => [(error as Error & {code: string}).code, taskName]).sort(), [
    ['server_unreachable', 'awaited'],
    ['server_unreachable', 'called-back'],
  ]);

  // Back again: the attempts whose end was never stored fail as timed out once their lease and leaseGrace are past.
  server.gone = false;
  await h.clock.advance(6_000);
  await until(() => events.failed.length === 2);
  t.deepEqual(events.failed.map(({error, job}) => [job.taskName, (error as Error & {code: string}).code]).sort(), [
    ['awaited', 'job_timed_out'],
    ['called-back', 'job_timed_out'],
  ]);
});
