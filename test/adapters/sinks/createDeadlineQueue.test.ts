import test from 'ava';
import {createDeadlineQueue} from '../../../src/adapters/sinks/createDeadlineQueue.ts';
import {createDeferred} from '../../helpers/createManualClock.ts';

// The queue's timer is unref()ed (a sink's sockets keep a process up); here this one does.
let keepAlive: NodeJS.Timeout;

test.before(() => {
  keepAlive = setInterval(() => {
    // Nothing: it only holds the event loop open.
  }, 1_000);
});

test.after.always(() => {
  clearInterval(keepAlive);
});

test('watched operations expire in order once their timeout passed; cleared ones never do', async (t) => {
  const queue = createDeadlineQueue(30);
  const expired: string[] = [];
  const last = createDeferred<void>();
  const startedAt = performance.now();
  const a = queue.watch(() => expired.push('a'));
  const b = queue.watch(() => expired.push('b'));
  const c = queue.watch(() => {
    expired.push('c');
    last.resolve();
  });

  b.clear();
  await last.promise;

  // b's deadline came before c's: had clearing not worked, it would have expired first.
  t.deepEqual(expired, ['a', 'c']);
  t.true(a.at <= b.at && b.at <= c.at);
  t.true(performance.now() - startedAt >= 30);
  a.clear();
  c.clear();
  t.deepEqual(expired, ['a', 'c']);
});

test('an expiry that clears or watches others leaves the queue consistent', async (t) => {
  const queue = createDeadlineQueue(20);
  const expired: string[] = [];
  const done = createDeferred<void>();
  let c: ReturnType<typeof queue.watch> | null = null;

  queue.watch(() => {
    expired.push('a');
    c?.clear();
    queue.watch(() => {
      expired.push('d');
      done.resolve();
    });
  });
  queue.watch(() => expired.push('b'));
  c = queue.watch(() => expired.push('c'));

  await done.promise;
  t.deepEqual(expired, ['a', 'b', 'd']);
});

test('thousands of operations cleared in order keep nothing and fire nothing', async (t) => {
  const queue = createDeadlineQueue(20);
  let fired = 0;

  for (let index = 0; index < 5_000; index++) {
    queue.watch(() => fired++).clear();
  }

  const later = createDeferred<void>();

  queue.watch(() => later.resolve());
  await later.promise;
  t.is(fired, 0);
});
