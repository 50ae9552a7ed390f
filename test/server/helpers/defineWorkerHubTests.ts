/**
 * The worker hub with hand-written protocol clients over real sockets, a real scheduler (PGlite, and
 * the PostgreSQL server when PLANTON_TEST_DATABASE_URL is set) and a manual clock: jobs go to
 * workers and come back through their calls; leases hold them while the worker renews and end them
 * when it is gone.
 */
import test from 'ava';
import type {BackendHandle} from '../../helpers/postgres.ts';
import {until} from '../../helpers/until.ts';
import {ofType} from './connectRawClient.ts';
import {createHubHarness, START} from './createHubHarness.ts';

const SECOND = 1_000;
const LEASE = 10 * SECOND;

const job = ofType('job');

/** The worker hub's tests on one backend (titles start with its name). */
export const defineWorkerHubTests = (backend: BackendHandle): void => {
  test(`${backend.name}: a worker that says hello gets the due job of its task; its log, progress and done reach the job`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({name: 'remote', payload: {table: 'users'}, schedule: {date: new Date(START + SECOND)}, timeout: 60 * SECOND});

    const worker = await h.connect();
    const welcome = await worker.hello({concurrency: 2, name: 'one', tasks: ['remote']});

    t.like(welcome, {heartbeatInterval: Math.ceil(LEASE / 3), leaseDuration: LEASE, resumed: false, v: 1});
    t.like(h.hub.listWorkers(), [{concurrency: 2, connected: true, jobs: [], name: 'one', tasks: ['remote'], tokenName: 'workers'}]);

    await h.clock.advance(SECOND);

    const job = await worker.waitFor(ofType('job'));

    t.like(job, {attempt: 1, payload: {table: 'users'}, scheduledFor: START + SECOND, slotCount: 1, taskName: 'remote', timeout: 60 * SECOND});
    t.like(h.hub.listWorkers()[0]?.jobs, [{attempt: 1, jobId: job.jobId, taskName: 'remote'}]);

    const {attempt, jobId} = job;

    worker.send({attempt, jobId, message: 'A Fox once saw a Crow', seq: 1, type: 'log'});
    worker.send({attempt, jobId, progress: 0.5, seq: 2, step: 'halfway', type: 'progress'});
    worker.send({attempt, jobId, result: {archived: 3}, seq: 3, type: 'done'});

    for (const seq of [1, 2, 3]) {
      t.deepEqual(await worker.waitFor((message) => message.type === 'ack' && message.seq === seq), {attempt, jobId, seq, type: 'ack', v: 1});
    }

    await until(() => h.events.succeeded.length === 1);
    t.like(h.events.succeeded[0], {job: {id: jobId, state: 'DONE'}, result: {archived: 3}});
    // Both at the same instant (the clock stands still): their order is the store's.
    const logs = await h.scheduler.getJobLogs(jobId);

    t.like(logs.find(({message}) => message !== null), {message: 'A Fox once saw a Crow'});
    t.like(logs.find(({message}) => message === null), {progress: 0.5, step: 'halfway'});
    t.like(h.hub.listWorkers()[0], {jobs: []});
  });

  test(`${backend.name}: fail stores the worker's error as it sent it and the task's retry policy applies`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({name: 'remote', retry: {attempts: 2, backoff: {delay: SECOND, type: 'fixed'}}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

    const worker = await h.connect();

    await worker.hello({tasks: ['remote']});
    await h.clock.advance(0);

    const first = await worker.waitFor(ofType('job'));

    worker.send({attempt: 1, error: {code: 'ECONNRESET', message: 'socket hang up', name: 'FetchError', ['__proto__']: {polluted: true}}, jobId: first.jobId, seq: 1, type: 'fail'});
    await worker.waitFor(ofType('ack'));
    await until(() => h.events.retry.length === 1);
    t.like(h.events.retry[0], {error: {code: 'ECONNRESET', message: 'socket hang up', name: 'FetchError'}, job: {attempt: 1, state: 'WAITING'}});
    t.is(({} as {polluted?: boolean}).polluted, undefined);
    t.like((await h.scheduler.getJob(first.jobId))?.error, {code: 'ECONNRESET', message: 'socket hang up', name: 'FetchError'});

    await h.clock.advance(SECOND);

    const second = await worker.waitFor((message): message is typeof first => message.type === 'job' && message.attempt === 2);

    t.is(second.jobId, first.jobId);
  });

  test(`${backend.name}: the job's timeout reaches its worker; done then answers job_timed_out while log still goes to the job`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({name: 'slow', retry: {attempts: 1}, schedule: {date: new Date(START)}, timeout: 5 * SECOND});

    const worker = await h.connect();

    await worker.hello({tasks: ['slow']});
    await h.clock.advance(0);

    const {attempt, jobId} = await worker.waitFor(job);

    await h.clock.advance(5 * SECOND);
    t.deepEqual(await worker.waitFor(ofType('timeout')), {attempt, jobId, type: 'timeout', v: 1});
    await until(() => h.events.failed.length === 1);
    t.like(h.events.failed[0], {error: {code: 'job_timed_out'}, job: {id: jobId, state: 'ERROR'}});
    t.like(h.hub.listWorkers()[0], {jobs: []});

    worker.send({attempt, jobId, message: 'still here', seq: 1, type: 'log'});
    worker.send({attempt, jobId, seq: 2, type: 'done'});
    t.like(await worker.waitFor(ofType('ack')), {seq: 1});
    t.like(await worker.waitFor(ofType('error')), {attempt, code: 'job_timed_out', jobId, seq: 2});
    t.true((await h.scheduler.getJobLogs(jobId)).some(({message}) => message === 'still here'));
  });

  test(`${backend.name}: a job stays with a worker that renews its lease, however many leases it runs, and no other worker gets it`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({name: 'long', retry: {attempts: 3, backoff: {delay: SECOND, type: 'fixed'}}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

    const holder = await h.connect();
    const other = await h.connect();

    await holder.hello({name: 'holder', tasks: ['long']});
    await h.clock.advance(0);

    const {attempt, jobId} = await holder.waitFor(job);

    await other.hello({name: 'other', tasks: ['long']});

    // Three leases' worth of time, a heartbeat each half lease.
    for (let step = 0; step < 6; step++) {
      for (const client of [holder, other]) {
        const from = client.messages.length;

        client.send({type: 'heartbeat'});
        await client.waitFor(ofType('heartbeat'), from);
      }

      await h.clock.advance(LEASE / 2);
    }

    t.false(other.messages.some(({type}) => type === 'job'));
    t.like(await h.scheduler.getJob(jobId), {attempt: 1, state: 'RUNNING'});
    t.deepEqual(h.hubEvents.leave, []);
    // Given once, to the holder: the hub says so (`assign`), which wakes the overview's stream.
    t.like(h.hubEvents.assign, [{attempt, jobId, taskName: 'long', worker: {name: 'holder'}}]);
    t.is(h.hubEvents.assign.length, 1);

    holder.send({attempt, jobId, seq: 1, type: 'done'});
    await holder.waitFor(ofType('ack'));
    await until(() => h.events.succeeded.length === 1);
    t.deepEqual(h.events.retry, []);
  });

  test(`${backend.name}: a worker gone longer than its lease loses its job (WORKER_LOST, retried as the task says, to another worker), and its late done is refused with ATTEMPT_REASSIGNED`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({name: 'leased', retry: {attempts: 3, backoff: {delay: SECOND, type: 'fixed'}}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

    const first = await h.connect();

    await first.hello({clientId: 'first', name: 'first', tasks: ['leased']});
    await h.clock.advance(0);

    const {jobId} = await first.waitFor(job);

    first.socket.terminate();
    await until(() => h.hubEvents.disconnect.length === 1);
    await h.clock.advance(LEASE - 1);
    t.like(h.hub.listWorkers(), [{clientId: 'first', connected: false, jobs: [{attempt: 1, jobId}]}]);
    t.like(await h.scheduler.getJob(jobId), {attempt: 1, state: 'RUNNING'});

    await h.clock.advance(1);
    await until(() => h.events.retry.length === 1);
    t.like(h.events.retry[0], {error: {code: 'WORKER_LOST', workerName: 'first'}, job: {attempt: 1, id: jobId, state: 'WAITING'}});
    t.like(h.hubEvents.leave, [{jobIds: [jobId], worker: {clientId: 'first'}}]);
    t.deepEqual(h.hub.listWorkers(), []);

    const second = await h.connect();

    await second.hello({clientId: 'second', tasks: ['leased']});
    await h.clock.advance(SECOND);
    t.like(await second.waitFor(job), {attempt: 2, jobId});

    // The first worker comes back with the result of attempt 1.
    const back = await h.connect();
    const welcome = await back.hello({clientId: 'first', jobs: [{attempt: 1, jobId}], tasks: ['leased']});

    t.false(welcome.resumed);
    t.like(await back.waitFor(ofType('abort')), {attempt: 1, jobId});
    back.send({attempt: 1, jobId, seq: 1, type: 'done'});
    t.like(await back.waitFor(ofType('error')), {attempt: 1, code: 'ATTEMPT_REASSIGNED', jobId, seq: 1});

    second.send({attempt: 2, jobId, seq: 1, type: 'done'});
    await second.waitFor(ofType('ack'));
    await until(() => h.events.succeeded.length === 1);
    t.like(h.events.succeeded[0], {job: {attempt: 2, id: jobId, state: 'DONE'}});
    t.like(h.hubEvents.refused.at(-1), {error: {code: 'ATTEMPT_REASSIGNED'}});
  });

  test(`${backend.name}: a worker back within its lease resumes its session: a job it never received is sent again, and its done is applied once however often it is sent`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({name: 'resumed', schedule: {date: new Date(START)}, timeout: 60 * SECOND});

    const before = await h.connect();

    await before.hello({clientId: 'same', tasks: ['resumed']});
    await h.clock.advance(0);

    const {jobId} = await before.waitFor(job);

    before.socket.terminate();
    await until(() => h.hubEvents.disconnect.length === 1);
    await h.clock.advance(LEASE / 2);

    // As if the job message had been lost with the connection: the hello does not list it.
    const after = await h.connect();

    t.true((await after.hello({clientId: 'same', jobs: [], tasks: ['resumed']})).resumed);
    t.like(await after.waitFor(job), {attempt: 1, jobId});

    after.send({attempt: 1, jobId, message: 'once', seq: 1, type: 'log'});
    after.send({attempt: 1, jobId, message: 'once', seq: 1, type: 'log'});
    after.send({attempt: 1, jobId, result: 42, seq: 2, type: 'done'});
    after.send({attempt: 1, jobId, result: 42, seq: 2, type: 'done'});
    await until(() => after.messages.filter(({type}) => type === 'ack').length === 4);
    await until(() => h.events.succeeded.length === 1);

    // A second end with a new number is the job API's own refusal.
    after.send({attempt: 1, jobId, seq: 3, type: 'fail', error: {message: 'late'}});
    t.like(await after.waitFor(ofType('error')), {code: 'job_done', seq: 3});
    t.is(h.events.succeeded.length, 1);
    t.is((await h.scheduler.getJobLogs(jobId)).filter(({message}) => message === 'once').length, 1);
  });

  test(`${backend.name}: each job goes to the least loaded worker below its concurrency; jobs wait when all are full and go to the first that frees a slot`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({concurrency: 10, name: 'busy', schedule: {every: SECOND}, timeout: 60 * SECOND});

    const wide = await h.connect();
    const narrow = await h.connect();

    await wide.hello({concurrency: 2, name: 'wide', tasks: ['busy']});
    await narrow.hello({concurrency: 1, name: 'narrow', tasks: ['busy']});

    const received = () => [wide, narrow].map((client) => client.messages.filter(({type}) => type === 'job').length);

    for (const expected of [[1, 0], [1, 1], [2, 1]]) {
      await h.clock.advance(SECOND);
      await until(() => received().join() === expected.join());
    }

    // Both full: the fourth job is the scheduler's (RUNNING) and waits in the hub.
    await h.clock.advance(SECOND);
    await until(async () => (await h.scheduler.listJobs({taskName: 'busy'})).jobs.filter(({state}) => state === 'RUNNING').length === 4);
    t.deepEqual(received(), [2, 1]);

    const [firstJob] = narrow.messages.filter((message) => message.type === 'job') as Array<{readonly attempt: number; readonly jobId: number}>;

    narrow.send({attempt: firstJob?.attempt, jobId: firstJob?.jobId, seq: 1, type: 'done'});
    await until(() => received().join() === '2,2');
    t.is(h.hub.listWorkers().find(({name}) => name === 'narrow')?.jobs.length, 1);
  });
};
