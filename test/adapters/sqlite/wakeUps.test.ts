/**
 * Wake-ups on SQLite: notifyTask wakes this process's subscribers at once; another store on the
 * same file (another connection, as another process has) is woken by its poll of the file's data
 * version, one pollInterval later at most. And the whole loop: createPlanton + createProcessor on
 * the store process every item once.
 */
import test from 'ava';
import {DatabaseSync} from 'node:sqlite';
import {createProcessor} from '../../../src/adapters/processor/index.ts';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import {createPlanton} from '../../../src/index.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';
import {until} from '../../helpers/until.ts';
import {createItems, createTemporaryDatabase, itemClaim} from './helpers/temporaryDatabase.ts';

test('notifyTask wakes local subscribers at once, and another connection\'s subscribers at its next poll', async (t) => {
  const {filename} = createTemporaryDatabase(t);
  const clock = createManualClock(0);
  const notifier = await createSqliteStore({filename, pollInterval: 0, reaperInterval: 0});
  const other = await createSqliteStore({clock, filename, heartbeatInterval: 1_000_000, pollInterval: 100, reaperInterval: 0});

  t.teardown(async () => {
    await notifier.terminate();
    await other.terminate();
  });

  const local: string[] = [];
  const remote: string[] = [];
  const unsubscribe = await notifier.subscribe({onWake: (reason) => local.push(reason), taskName: 'emails'});

  await other.subscribe({onWake: (reason) => remote.push(reason), taskName: 'emails'});
  await notifier.notifyTask('emails');
  t.deepEqual(local, ['NOTIFICATION']);
  t.deepEqual(remote, []);

  await clock.advance(99);
  t.deepEqual(remote, []);
  await clock.advance(1);
  t.deepEqual(remote, ['NOTIFICATION']);

  // Nothing committed since: the next polls wake nobody.
  await clock.advance(500);
  t.deepEqual(remote, ['NOTIFICATION']);

  // Any commit by another connection counts, the user's own rows included.
  const userConnection = new DatabaseSync(filename);

  userConnection.exec('CREATE TABLE user_row (id integer PRIMARY KEY); INSERT INTO user_row VALUES (1)');
  userConnection.close();
  await clock.advance(100);
  t.deepEqual(remote, ['NOTIFICATION', 'NOTIFICATION']);

  await unsubscribe();
  await notifier.notifyTask('emails');
  t.deepEqual(local, ['NOTIFICATION']);
});

test('a wake-up callback that throws is reported (STORE_BACKGROUND_ERROR) and others still run', async (t) => {
  const {filename} = createTemporaryDatabase(t);
  const store = await createSqliteStore({filename, pollInterval: 0, reaperInterval: 0});

  t.teardown(async () => {
    await store.terminate();
  });

  const errors: unknown[] = [];
  const woken: string[] = [];

  store.events.on('error', ({error}) => errors.push(error));
  await store.subscribe({onWake: () => {
    throw new Error('callback failed');
  }, taskName: 'emails'});
  await store.subscribe({onWake: (reason) => woken.push(reason), taskName: 'emails'});
  await store.notifyTask('emails');
  t.like(errors, [{code: 'STORE_BACKGROUND_ERROR', operation: 'WAKE'}]);
  t.deepEqual(woken, ['NOTIFICATION']);
});

test('createPlanton and createProcessor on the SQLite store process every item once', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 200);

  const store = await createSqliteStore<number>({filename, pollInterval: 20, reaperInterval: 0});
  const work = new DatabaseSync(filename, {timeout: 10_000});
  const planton = createPlanton<number>({
    getActiveTaskInstructions: store.getActiveTaskInstructions,
    tasks: [{
      concurrency: await store.getTaskConcurrency({concurrency: 10, taskName: 'items'}),
      delay: () => 50,
      name: 'items',
      schedule: store.createSchedule(itemClaim),
    }],
  });
  const processor = createProcessor<number>({
    handlers: {
      items: async (id) => {
        work.prepare('UPDATE item SET processed_count = processed_count + 1 WHERE id = ?').run(id);
      },
    },
    planton,
    store,
  });

  t.teardown(async () => {
    await planton.terminate();
    await processor.stop();
    await store.terminate();
    work.close();
  });

  await until(() => work.prepare('SELECT count(*) AS count FROM item WHERE processed_count > 0').get()?.count === 200);
  await until(async () => (await store.getActiveTaskInstructions('items', {signal: new AbortController().signal})).length === 0);
  t.deepEqual({...work.prepare('SELECT count(*) AS total, sum(processed_count = 1) AS once FROM item').get()}, {once: 200, total: 200});
  t.is(work.prepare('SELECT count(*) AS count FROM planton_maintenance_task_execution WHERE state <> \'COMPLETED\'').get()?.count, 0);
});

test('a row another connection inserts is claimed by an idle engine through the poll, not its ten-minute delay', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 0);

  const store = await createSqliteStore<number>({filename, pollInterval: 20, reaperInterval: 0});
  const claimed: number[] = [];
  const planton = createPlanton<number>({
    getActiveTaskInstructions: store.getActiveTaskInstructions,
    tasks: [{
      // The first round at once; after a round that found nothing, ten minutes.
      calculateDelay: (attemptNumber: number) => attemptNumber === 0 ? 0 : 600_000,
      concurrency: 10,
      name: 'items',
      schedule: store.createSchedule(itemClaim),
    }],
  });

  planton.events.on('task', ({instruction}) => {
    claimed.push(instruction);
  });
  await store.subscribe({onWake: () => planton.trigger('items'), taskName: 'items'});

  const other = new DatabaseSync(filename, {timeout: 10_000});

  t.teardown(async () => {
    await planton.terminate();
    await store.terminate();
    other.close();
  });

  // The engine's first round found nothing; it now waits ten minutes unless woken.
  await until(async () => (await store.getActiveTaskInstructions('items', {signal: new AbortController().signal})).length === 0 && store.database.prepare('SELECT count(*) AS count FROM planton_maintenance_task').get()?.count === 1);
  other.prepare('INSERT INTO item (id) VALUES (?)').run(41);
  await until(() => claimed.length === 1);
  t.deepEqual(claimed, [41]);
});
