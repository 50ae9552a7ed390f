/**
 * A dispatcher process killed with SIGKILL while its executions run: the file stays usable, and
 * another process's reaper terminates those executions once their heartbeat is older than the
 * task's limit, after which their instructions are claimed again.
 */
import test from 'ava';
import {fileURLToPath} from 'node:url';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';
import {spawnFixture} from '../../helpers/spawnFixture.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import {createItems, createTemporaryDatabase, itemClaim} from './helpers/temporaryDatabase.ts';

type Message = {readonly instructions: readonly number[]; readonly type: 'claimed'};

const MAX_EXECUTION_DURATION = 60_000;

test('executions of a process killed with SIGKILL are reaped by another process and claimed again', async (t) => {
  const {filename} = createTemporaryDatabase(t);

  createItems(filename, 5);

  const setUpStore = await createSqliteStore<number>({filename, pollInterval: 0, reaperInterval: 0});

  await setUpStore.registerTask({maxExecutionDuration: MAX_EXECUTION_DURATION, name: 'items', retryDelay: 0});
  await setUpStore.terminate();

  const child = spawnFixture<Message>(fileURLToPath(new URL('fixtures/claimAndHang.ts', import.meta.url)), {CLAIM_LIMIT: '3', FILENAME: filename});

  t.teardown(() => {
    child.child.kill('SIGKILL');
  });

  const claimed = await withDeadline(child.waitFor((message): message is Message => message.type === 'claimed'), 'the child claimed');

  t.deepEqual(claimed.instructions, [1, 2, 3]);

  const exited = new Promise((resolve) => {
    child.child.once('exit', resolve);
  });

  child.child.kill('SIGKILL');
  await withDeadline(exited, 'the child exited');

  // The survivor's clock is past the limit of the heartbeats the child wrote with the system clock.
  const clock = createManualClock(Date.now() + MAX_EXECUTION_DURATION + 1_000);
  const survivor = await createSqliteStore<number>({clock, filename, heartbeatInterval: 3_600_000, pollInterval: 0, reaperInterval: 0});

  t.teardown(async () => {
    await survivor.terminate();
  });

  t.deepEqual(await survivor.getActiveTaskInstructions('items', {signal: new AbortController().signal}), [1, 2, 3]);
  t.deepEqual((await survivor.reap()).map((execution) => execution.instruction), [1, 2, 3]);
  t.deepEqual((await survivor.claimExecutions({claim: itemClaim, limit: 5, taskName: 'items'})).map((execution) => execution.instruction), [1, 2, 3, 4, 5]);
  t.is(survivor.database.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok');
});
