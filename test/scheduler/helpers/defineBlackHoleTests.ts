/**
 * The black-holed network suite, one definition for every server store: the scheduler store reaches
 * the server through a TCP proxy that stops forwarding bytes without closing a socket, so a query
 * waits for an answer that does not come (no error, no FIN, no RST). The store's `queryTimeout`
 * turns that into `server_unreachable`; when the proxy forwards again the held statements run late,
 * and what was given up on rolls back.
 */
import test, {type ExecutionContext} from 'ava';
import {createScheduler, parseSchedule, type SchedulerStore} from '../../../src/scheduler/index.ts';
import {countEvents} from '../../helpers/countEvents.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {until} from '../../helpers/until.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {createWaitingJob} from './createWaitingJob.ts';

/** The proxied stores' `queryTimeout` (milliseconds). */
export const QUERY_TIMEOUT = 2_500;

/** What the suite needs of a server store. */
export type BlackHoleBackend = {
  /** The tests' title prefix (`postgres`, `mysql`). */
  readonly name: string;
  /** The server's URI; the proxy forwards to its host and port (`defaultPort` when it names none). */
  readonly connectionUri: string;
  readonly defaultPort: number;
  /**
   * Two stores on the same fresh tables (whose drop it registers on `t`): `store` on a pool of its own
   * that connects to `proxiedUri` with `queryTimeout` (one connection with `singleConnection`), and
   * `direct`, which reaches the server directly to look at the rows while the proxy holds. `end`
   * ends the proxied pool.
   */
  readonly openStores: (t: ExecutionContext, options: {readonly proxiedUri: string; readonly queryTimeout: number; readonly singleConnection: boolean}) => Promise<{
    readonly direct: SchedulerStore;
    readonly end: () => Promise<void>;
    readonly store: SchedulerStore;
  }>;
};

/** Registers the black-holed network tests on `backend`, titled `<name>: …`. */
export const defineBlackHoleTests = ({connectionUri, defaultPort, name, openStores}: BlackHoleBackend): void => {
  const connectThroughProxy = async (t: ExecutionContext, {singleConnection = false}: {readonly singleConnection?: boolean} = {}) => {
    const target = new URL(connectionUri);
    const proxy = await createTcpProxy({host: target.hostname, port: Number(target.port || defaultPort)});
    const proxied = new URL(connectionUri);

    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    // Teardowns run last registered first: the proxy closes after the tables are dropped.
    t.teardown(async () => {
      await proxy.close();
    });

    const {direct, end, store} = await openStores(t, {proxiedUri: proxied.href, queryTimeout: QUERY_TIMEOUT, singleConnection});

    // This one runs after the test's own, before the tables are dropped.
    t.teardown(async () => {
      proxy.setBlackHole(false);
      await end();
    });

    return {direct, proxy, store};
  };

  test(`${name}: while the network black-holes, store operations reject with server_unreachable after queryTimeout; a claim delivered once it heals rolls back, a late finish of an ended attempt changes nothing`, async (t) => {
    // One connection: an operation after the healing runs once the late transactions have ended.
    const {direct, proxy, store} = await connectThroughProxy(t, {singleConnection: true});
    const now = Date.now();
    // Its first attempt failed: the job WAITs for its second. Giving a claim back restores that state
    // but leaves the claimer in `worker`, which tells a claim given back from one that never applied.
    const {id, taskNames} = await createWaitingJob(store, now);

    proxy.setBlackHole(true);

    const operations = {
      claimJobs: store.claimJobs({claimUntil: now, limit: 10, now, taskNames, worker: 'late'}),
      finishJobs: store.finishJobs([{attempt: 1, id, now, outcome: {result: null, state: 'DONE'}}]),
      listTasks: store.listTasks(),
    };

    for (const [operation, pending] of Object.entries(operations)) {
      const error = await withDeadline(t.throwsAsync(pending, {code: 'server_unreachable'}), `${operation} to reject`, 30_000);

      t.like(error?.cause, {code: 'STORE_TIMEOUT', operation, timeout: QUERY_TIMEOUT});
    }

    t.like(await direct.getJob(id), {attempt: 1, state: 'WAITING', worker: 'first'}, 'nothing reached the server');

    proxy.setBlackHole(false);
    await withDeadline(store.listTasks(), 'the store to answer once the network heals', 30_000);

    t.like(await direct.getJob(id), {attempt: 1, endedAt: null, state: 'WAITING', worker: 'first'}, 'the late claim rolled back; the late finish did not apply');

    const [again] = await store.claimJobs({claimUntil: Date.now(), limit: 10, now: Date.now(), taskNames, worker: 'after'});

    t.like(again, {attempt: 2, id, state: 'RUNNING', worker: 'after'});
    t.like((await store.finishJobs([{attempt: 2, id, now: Date.now(), outcome: {result: null, state: 'DONE'}}]))[0], {attempt: 2, state: 'DONE'});
  });

  test(`${name}: a task saved or deleted while the network black-holes, which rejects with server_unreachable, does not apply once it heals`, async (t) => {
    // One connection: an operation after the healing runs once the late transactions have ended.
    const {direct, proxy, store} = await connectThroughProxy(t, {singleConnection: true});
    const now = Date.now();
    const task = (name: string) => ({concurrency: 1, misfire: 'once' as const, name, payload: null, retry: {attempts: 1, backoff: null}, schedule: parseSchedule({schedule: '1h'}), timeout: 60_000});

    await direct.saveTask({now, task: task('kept')});
    proxy.setBlackHole(true);

    const operations = {
      deleteTask: store.deleteTask({name: 'kept', now}),
      saveTask: store.saveTask({now, task: task('added')}),
    };

    for (const [operation, pending] of Object.entries(operations)) {
      const error = await withDeadline(t.throwsAsync(pending, {code: 'server_unreachable'}), `${operation} to reject`, 30_000);

      t.like(error?.cause, {code: 'STORE_TIMEOUT', operation});
    }

    proxy.setBlackHole(false);
    await withDeadline(store.listTasks(), 'the store to answer once the network heals', 30_000);

    t.is(await direct.getTask('added'), null, 'the timed-out save did not apply');
    t.like(await direct.getTask('kept'), {name: 'kept'}, 'the timed-out delete did not apply');
  });

  test(`${name}: a scheduler whose network black-holes reports server_unreachable and keeps running; once it heals, every slot of the outage runs, once`, async (t) => {
    const {direct, proxy, store} = await connectThroughProxy(t);
    const scheduler = await createScheduler({pollInterval: 500, store, syncInterval: 1_000, terminateTimeout: 0});
    const errors = countEvents(scheduler.events, 'error');
    const succeeded = countEvents(scheduler.events, 'succeeded');
    const ran: number[] = [];

    t.teardown(async () => {
      await scheduler.terminate();
    });

    await scheduler.schedule({name: 'tick', schedule: '1s', timeout: 10_000});
    scheduler.addProcessor('tick', async (job) => {
      ran.push(job.id);
    });
    await succeeded.until(1);

    const blackHoledAt = Date.now();

    proxy.setBlackHole(true);
    // Rounds and task syncs time out one after another, each reported, for as long as the network
    // black-holes: 3 s of them, so that slots fall due meanwhile.
    await withDeadline(new Promise<void>((resolve) => {
      scheduler.events.on('error', () => {
        if (Date.now() >= blackHoledAt + 3_000) {
          resolve();
        }
      });
    }), 'errors 3 s into the outage');
    proxy.setBlackHole(false);

    const healedAt = Date.now();
    const firstSlot = succeeded.payloads[0]?.job.scheduledFor ?? 0;
    const slots = Array.from({length: Math.floor((healedAt - firstSlot) / 1_000) + 1}, (_value, index) => firstSlot + index * 1_000);
    /** The jobs that stand for each slot up to the healing (a job after the outage stands for several: misfire 'once'). */
    const jobsOfSlots = async () => {
      const jobs = await direct.listJobs({limit: 500, taskName: 'tick'});

      return slots.map((slot) => jobs.filter((job) => slot >= job.scheduledFor && slot < job.scheduledFor + job.slotCount * 1_000));
    };

    // Claims that timed out rolled back and their jobs were claimed again; ends that timed out applied late.
    await until(async () => (await jobsOfSlots()).every((jobs) => jobs.length === 1 && jobs[0]?.state === 'DONE'), 60_000);
    t.true(slots.length >= 4, `${slots.length} slots up to the healing`);
    t.deepEqual((await jobsOfSlots()).flat().filter((job) => job.attempt !== 1).map(({attempt, id}) => ({attempt, id})), [], 'each job in one attempt');
    t.deepEqual(errors.payloads.map(({error}) => (error as Error & {readonly code?: string}).code).filter((code) => code !== 'server_unreachable'), []);
    t.is(new Set(ran).size, ran.length, 'no job ran twice');
  });
};
