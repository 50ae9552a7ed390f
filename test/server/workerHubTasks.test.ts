/**
 * Which tasks get a hub processor: those some connected worker offers and the scheduler knows; the
 * end of a worker's session (bye) and of the hub (close).
 */
import test from 'ava';
import {usePglite} from '../helpers/postgres.ts';
import {until} from '../helpers/until.ts';
import {ofType} from './helpers/connectRawClient.ts';
import {createHubHarness, START} from './helpers/createHubHarness.ts';

const SECOND = 1_000;
const LEASE = 10 * SECOND;
const pglite = usePglite();

test('a task the scheduler does not know yet is refused with UNKNOWN_TASK, and gets its processor once scheduled (tried again every registrationRetryInterval)', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE, registrationRetryInterval: 2 * SECOND}});
  const worker = await h.connect();

  await worker.hello({tasks: ['later']});
  t.like(await worker.waitFor(ofType('error')), {code: 'UNKNOWN_TASK', taskName: 'later'});

  await h.scheduler.schedule({name: 'later', schedule: {date: new Date(START + SECOND)}, timeout: 60 * SECOND});
  await h.clock.advance(2 * SECOND);
  t.like(await worker.waitFor(ofType('job')), {attempt: 1, taskName: 'later'});
});

test('the processor goes when the last worker offering the task stops offering it, so a processor in process can take the task; a worker offering it then hears DUPLICATE_TASK_NAME', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});

  await h.scheduler.schedule({name: 'shared', schedule: {date: new Date(START + 60 * SECOND)}, timeout: 60 * SECOND});

  const worker = await h.connect();

  await worker.hello({tasks: ['shared']});
  t.throws(() => {
    h.scheduler.addProcessor('shared', () => undefined);
  }, {code: 'DUPLICATE_TASK_NAME'});

  worker.send({tasks: [], type: 'processors'});
  worker.send({type: 'heartbeat'});
  await worker.waitFor(ofType('heartbeat'));
  t.notThrows(() => {
    h.scheduler.addProcessor('shared', () => undefined);
  });

  worker.send({tasks: ['shared'], type: 'processors'});
  t.like(await worker.waitFor(ofType('error')), {code: 'DUPLICATE_TASK_NAME', taskName: 'shared'});
});

test('a worker that disconnects keeps no processor: a due job meets the scheduler\'s no-processor retries, not the hub', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}, scheduler: {noProcessorRetryDelays: [5 * SECOND]}});

  await h.scheduler.schedule({name: 'orphan', schedule: {date: new Date(START + SECOND)}, timeout: 60 * SECOND});

  const worker = await h.connect();

  await worker.hello({tasks: ['orphan']});
  worker.socket.terminate();
  await until(() => h.hubEvents.disconnect.length === 1);
  await h.clock.advance(3 * SECOND);
  await until(() => h.events.retry.length === 1);
  t.like(h.events.retry[0], {error: {code: 'NO_PROCESSOR'}});
});

test('bye ends the session at once: the jobs it still held fail with WORKER_LOST without waiting for the lease', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});

  await h.scheduler.schedule({name: 'left', retry: {attempts: 1}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

  const worker = await h.connect();

  await worker.hello({tasks: ['left']});
  await h.clock.advance(0);

  const {jobId} = await worker.waitFor(ofType('job'));

  worker.send({type: 'bye'});
  t.is(await worker.closed, 1000);
  await until(() => h.events.failed.length === 1);
  t.like(h.events.failed[0], {error: {code: 'WORKER_LOST'}, job: {id: jobId, state: 'ERROR'}});
  t.deepEqual(h.hub.listWorkers(), []);
});

test('close() fails the jobs its workers hold with WORKER_HUB_CLOSED, closes their sockets (1001) and refuses new ones', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});

  await h.scheduler.schedule({name: 'closing', retry: {attempts: 1}, schedule: {date: new Date(START)}, timeout: 60 * SECOND});

  const worker = await h.connect();

  await worker.hello({tasks: ['closing']});
  await h.clock.advance(0);
  await worker.waitFor(ofType('job'));
  await h.hub.close();
  t.is(await worker.closed, 1001);
  await until(() => h.events.failed.length === 1);
  t.like(h.events.failed[0], {error: {code: 'WORKER_HUB_CLOSED'}});

  const late = await h.connect();

  t.is(await late.closed, 1001);
});

test('a socket that says no hello within the lease is closed (1008)', async (t) => {
  const h = await createHubHarness(t, pglite, {hub: {leaseDuration: LEASE}});
  const silent = await h.connect();

  await h.clock.advance(LEASE);
  t.is(await silent.closed, 1008);
  t.like(silent.messages, [{code: 'UNEXPECTED_MESSAGE', type: 'error'}]);
});
