/**
 * compose([...steps]) as forerunner's composed jobs: steps in series, each given the result of the
 * one before, the job's result the last step's, failing fast at the first failed step; in process
 * (memory store) and on a remote `connectWorker` client over real sockets.
 */
import test, {type ExecutionContext} from 'ava';
import {compose as composeFromClient, connectWorker} from '../../src/client/index.ts';
import {compose, createMemorySchedulerStore, createScheduler, type JobRecord, type Processor, type Scheduler} from '../../src/scheduler/index.ts';
import {createManualClock, type ManualClock} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';
import {createHubHarness, START} from '../server/helpers/createHubHarness.ts';

const SECOND = 1_000;

/** Steps of every form a processor takes: a return, a promise with logs and progress, `done(error, result)`, `job.done(result)`. */
const archiveSteps = (ran: number[]): Processor[] => [
  (job) => {
    ran.push(0);

    return {files: (job.payload as {readonly files: number}).files + 1};
  },
  async (job) => {
    ran.push(1);
    await job.log(`packing ${(job.payload as {readonly files: number}).files} files`);
    await job.progress(0.5, 'pack');

    return {...job.payload as object, packed: true};
  },
  (job, done) => {
    ran.push(2);
    setImmediate(() => {
      done(null, {...job.payload as object, size: 42});
    });
  },
  (job) => {
    ran.push(3);
    void job.done({archived: job.payload});
  },
];

const failingSteps = (ran: number[]): Processor[] => [
  () => {
    ran.push(0);

    return 'fetched';
  },
  async () => {
    ran.push(1);
    throw Object.assign(new Error('disk full'), {code: 'ENOSPC'});
  },
  () => {
    ran.push(2);

    return 'never';
  },
];

const EXPECTED_RESULT = {archived: {files: 3, packed: true, size: 42}};

const startInProcess = async (t: ExecutionContext): Promise<{readonly clock: ManualClock; readonly scheduler: Scheduler}> => {
  const clock = createManualClock(START);
  const scheduler = await createScheduler({clock, store: createMemorySchedulerStore(), syncInterval: 0, terminateTimeout: 0});

  t.teardown(async () => {
    await scheduler.terminate();
  });

  return {clock, scheduler};
};

const runOnce = async (scheduler: Scheduler, clock: ManualClock, name: string, payload: unknown): Promise<JobRecord> => {
  const job = await scheduler.runTask(name, {payload});

  await clock.advance(0);
  await until(async () => ['DONE', 'ERROR'].includes((await scheduler.getJob(job.id))?.state ?? ''));

  return await scheduler.getJob(job.id) as JobRecord;
};

test('in process: the steps run in order, each given the result of the one before; the job stores the last step\'s result, and the steps\' logs and progress', async (t) => {
  const {clock, scheduler} = await startInProcess(t);
  const ran: number[] = [];

  await scheduler.schedule({name: 'archive', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  scheduler.addProcessor('archive', compose(archiveSteps(ran)));

  const job = await runOnce(scheduler, clock, 'archive', {files: 2});

  t.deepEqual(ran, [0, 1, 2, 3]);
  t.like(job, {progress: 0.5, state: 'DONE', step: 'pack'});
  t.deepEqual(job.result, EXPECTED_RESULT);
  t.deepEqual((await scheduler.getJobLogs(job.id)).map(({message, step}) => message ?? step), ['packing 3 files', 'pack']);
});

test('in process: the first failed step fails the job (COMPOSED_STEP_FAILED naming its index, its error as cause); later steps do not run', async (t) => {
  const {clock, scheduler} = await startInProcess(t);
  const ran: number[] = [];

  await scheduler.schedule({name: 'fetch', retry: {attempts: 1}, schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  scheduler.addProcessor('fetch', compose(failingSteps(ran)));

  const job = await runOnce(scheduler, clock, 'fetch', null);

  t.deepEqual(ran, [0, 1]);
  t.like(job, {result: null, state: 'ERROR'});
  t.like(job.error, {cause: {code: 'ENOSPC', message: 'disk full'}, code: 'COMPOSED_STEP_FAILED', stepIndex: 1});
  t.regex(String(job.error?.message), /step 1 of 3: disk full/u);
});

test('in process: a step that calls job.fail() without an error fails the job at that step with JOB_HANDLER_ERROR as cause', async (t) => {
  const {clock, scheduler} = await startInProcess(t);
  const ran: number[] = [];

  await scheduler.schedule({name: 'check', retry: {attempts: 1}, schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  scheduler.addProcessor('check', compose([
    (job) => {
      ran.push(0);
      void job.fail();
    },
    () => {
      ran.push(1);
    },
  ]));

  const job = await runOnce(scheduler, clock, 'check', null);

  t.deepEqual(ran, [0]);
  t.like(job.error, {cause: {code: 'JOB_HANDLER_ERROR'}, code: 'COMPOSED_STEP_FAILED', stepIndex: 0});
});

test('on a remote worker: compose from planton/client runs the chain on the worker; logs and progress reach the job; a failing chain stops at its failed step', async (t) => {
  const h = await createHubHarness(t, null, {hub: {leaseDuration: 600 * SECOND}});
  const ran: number[] = [];
  const failed: number[] = [];

  await h.scheduler.schedule({name: 'archive', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  await h.scheduler.schedule({name: 'fetch', retry: {attempts: 1}, schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});

  const worker = connectWorker({reconnectDelay: {initialDelay: 20, maxDelay: 200}, token: 'worker-secret', url: h.server.url});

  t.teardown(async () => {
    await worker.close();
  });
  worker.processor('archive', composeFromClient(archiveSteps(ran)));
  worker.processor('fetch', composeFromClient(failingSteps(failed)));
  await until(() => h.hub.listWorkers()[0]?.tasks.length === 2);

  const archive = await h.scheduler.runTask('archive', {payload: {files: 2}});
  const fetch = await h.scheduler.runTask('fetch');

  await h.clock.advance(0);
  await until(async () => (await h.scheduler.getJob(archive.id))?.state === 'DONE' && (await h.scheduler.getJob(fetch.id))?.state === 'ERROR');

  t.deepEqual(ran, [0, 1, 2, 3]);
  t.deepEqual(failed, [0, 1]);
  t.deepEqual((await h.scheduler.getJob(archive.id))?.result, EXPECTED_RESULT);
  t.deepEqual((await h.scheduler.getJobLogs(archive.id)).map(({message, step}) => message ?? step).sort(), ['pack', 'packing 3 files']);
  t.like((await h.scheduler.getJob(fetch.id))?.error, {code: 'COMPOSED_STEP_FAILED', stepIndex: 1});
});

test('in process: a step ends once: a second done answers job_done (never an unhandled rejection), and the first result goes on', async (t) => {
  const {clock, scheduler} = await startInProcess(t);
  const answers: unknown[] = [];

  await scheduler.schedule({name: 'twice', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 30 * SECOND});
  scheduler.addProcessor('twice', compose([
    async (job) => {
      void job.done('first');
      void job.done('second');
      answers.push(await job.done('third').catch((error: unknown) => error));
      job.done('fourth', (error) => {
        answers.push(error);
      });
    },
    (job) => `${String(job.payload)}, then the next step`,
  ]));

  const job = await runOnce(scheduler, clock, 'twice', null);

  t.is(job.result, 'first, then the next step');
  t.like(answers, [{code: 'job_done'}, {code: 'job_done'}]);
});

test('compose refuses no steps and a step that is not a function (INVALID_ARGUMENT)', (t) => {
  t.like(t.throws(() => compose([])), {code: 'INVALID_ARGUMENT', option: 'steps'});
  t.like(t.throws(() => compose([() => 1, 'fetch' as never])), {code: 'INVALID_ARGUMENT', option: 'steps[1]'});
});
