/**
 * Remote workers in separate processes (test/client/fixtures/remoteWorker.ts) against a worker hub
 * over real sockets, its scheduler on PGlite and on the PostgreSQL server, the hub's leases on a
 * manual clock: round-robin across processes, a process killed mid-job, a connection cut mid-job.
 */
import {once} from 'node:events';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import type {BackendHandle} from '../../helpers/postgres.ts';
import {type Fixture, spawnFixture} from '../../helpers/spawnFixture.ts';
import {until} from '../../helpers/until.ts';
import {createHubHarness, START} from '../../server/helpers/createHubHarness.ts';
import type {RemoteWorkerMessage} from '../fixtures/remoteWorker.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/remoteWorker.ts', import.meta.url));
const SECOND = 1_000;
const LEASE = 10 * SECOND;

type Message<Type extends RemoteWorkerMessage['type']> = Extract<RemoteWorkerMessage, {readonly type: Type}>;

const of = <Type extends RemoteWorkerMessage['type']>(type: Type) => (message: RemoteWorkerMessage): message is Message<Type> => message.type === type;

/** A worker process of the test, killed at its teardown if still running. */
const spawnWorker = (t: {readonly teardown: (callback: () => void) => void}, environment: Readonly<Record<string, string>>): Fixture<RemoteWorkerMessage> => {
  const fixture = spawnFixture<RemoteWorkerMessage>(FIXTURE, environment);

  t.teardown(() => {
    if (fixture.child.exitCode === null && fixture.child.signalCode === null) {
      fixture.child.kill('SIGKILL');
    }
  });

  return fixture;
};

const startedIn = (fixture: Fixture<RemoteWorkerMessage>) => fixture.messages.filter(of('started'));

/** The multi-process worker tests on one backend (titles start with its name). */
export const defineRemoteWorkerTests = (backend: BackendHandle): void => {
  test(`${backend.name}: three worker processes get the jobs of a task in turn: 30 jobs, each run once, counts within one of each other`, async (t) => {
    // A lease far longer than the 30 s the clock moves: the test is about allocation.
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: 600 * SECOND}});

    await h.scheduler.schedule({name: 'spread', schedule: {every: SECOND}, timeout: 60 * SECOND});

    const workers = [1, 2, 3].map(() => spawnWorker(t, {PLANTON_URL: h.server.url, TASK: 'spread'}));

    await Promise.all(workers.map(async (worker) => await worker.waitFor(of('connect'))));
    await until(() => h.hub.listWorkers().length === 3);

    for (let count = 1; count <= 30; count++) {
      await h.clock.advance(SECOND);
      await until(() => h.events.succeeded.length === count);
    }

    const counts = workers.map((worker) => startedIn(worker).length);
    const jobIds = workers.flatMap((worker) => startedIn(worker).map(({jobId}) => jobId));

    t.is(jobIds.length, 30, `counts ${counts.join(', ')}`);
    t.is(new Set(jobIds).size, 30);
    t.true(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts.join(', ')}`);
    t.deepEqual(h.events.retry, []);
    t.deepEqual(h.hubEvents.refused, []);
  });

  test(`${backend.name}: a worker process killed (SIGKILL) mid-job: the job is held until the lease ends, then retried as its task says on another worker; nothing lost, nothing run twice`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});

    await h.scheduler.schedule({name: 'killed', retry: {attempts: 3, backoff: {delay: SECOND, type: 'fixed'}}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

    const doomed = spawnWorker(t, {HOLD: '1', PLANTON_URL: h.server.url, TASK: 'killed'});

    await doomed.waitFor(of('connect'));
    await h.clock.advance(0);

    const {jobId} = await doomed.waitFor(of('started'));
    const exited = once(doomed.child, 'exit');

    doomed.child.kill('SIGKILL');
    await exited;
    await until(() => h.hubEvents.disconnect.length === 1);

    // Within the lease the job is the dead worker's: it might still come back.
    await h.clock.advance(LEASE - 1);
    t.like(await h.scheduler.getJob(jobId), {attempt: 1, state: 'RUNNING'});
    t.deepEqual(h.events.retry, []);

    await h.clock.advance(1);
    await until(() => h.events.retry.length === 1);
    t.like(h.events.retry[0], {error: {code: 'WORKER_LOST'}, job: {attempt: 1, id: jobId, state: 'WAITING'}});

    const survivor = spawnWorker(t, {PLANTON_URL: h.server.url, TASK: 'killed'});

    await survivor.waitFor(of('connect'));
    await h.clock.advance(SECOND);
    await until(() => h.events.succeeded.length === 1);

    t.deepEqual(startedIn(doomed).map(({attempt, jobId: id}) => [id, attempt]), [[jobId, 1]]);
    t.deepEqual(startedIn(survivor).map(({attempt, jobId: id}) => [id, attempt]), [[jobId, 2]]);
    t.like((await h.scheduler.listJobs({taskName: 'killed'})).jobs, [{attempt: 2, id: jobId, state: 'DONE'}]);
  });

  test(`${backend.name}: a connection cut mid-job: the handler's done waits for the reconnection, is delivered then, and counted once`, async (t) => {
    const h = await createHubHarness(t, backend, {hub: {leaseDuration: LEASE}});
    const proxy = await createTcpProxy({host: '127.0.0.1', port: h.server.port});

    t.teardown(async () => {
      await proxy.close();
    });
    await h.scheduler.schedule({name: 'cut', retry: {attempts: 3, backoff: {delay: SECOND, type: 'fixed'}}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

    const worker = spawnWorker(t, {HOLD: '1', PLANTON_URL: `ws://127.0.0.1:${proxy.port}/v1/workers`, TASK: 'cut'});

    await worker.waitFor(of('connect'));
    await h.clock.advance(0);

    const {jobId} = await worker.waitFor(of('started'));

    proxy.setAvailable(false);
    await until(() => h.hubEvents.disconnect.length === 1);
    worker.child.send({jobId, type: 'finish'});
    await worker.waitFor(of('finishing'));
    t.is(h.events.succeeded.length, 0);
    t.like(await h.scheduler.getJob(jobId), {attempt: 1, state: 'RUNNING'});

    proxy.setAvailable(true);
    t.like(await worker.waitFor(of('answered')), {attempt: 1, code: null, jobId});
    t.like(worker.messages.filter(of('connect')), [{resumed: false}, {resumed: true}]);
    await until(() => h.events.succeeded.length === 1);
    t.like(await h.scheduler.getJob(jobId), {attempt: 1, state: 'DONE'});
    t.deepEqual(h.events.retry, []);
    t.deepEqual(h.hubEvents.refused, []);
  });
};
