import test from 'ava';
import {createBatcher} from '../../src/planton/createBatcher.ts';
import {createDeferred, flush} from '../helpers/createManualClock.ts';
import {until} from '../helpers/until.ts';

test('items added together go out in one call on the next macrotask, each resolving with its own result', async (t) => {
  const calls: number[][] = [];
  const batcher = createBatcher<number, number>({maxBatchSize: 10, maxInFlight: 1, run: async (items) => {
    calls.push([...items]);

    return items.map((item) => item * 2);
  }});
  const results = Promise.all([1, 2, 3].map(async (item) => await batcher.add(item)));

  t.deepEqual(calls, []);
  t.deepEqual(await results, [2, 4, 6]);
  t.deepEqual(calls, [[1, 2, 3]]);
});

test('a full batch goes out at once; items that arrive while maxInFlight calls run wait and go together', async (t) => {
  const calls: number[][] = [];
  const release = createDeferred<void>();
  const batcher = createBatcher<number, number>({maxBatchSize: 2, maxInFlight: 1, run: async (items) => {
    calls.push([...items]);
    await release.promise;

    return items;
  }});
  const first = Promise.all([1, 2].map(async (item) => await batcher.add(item)));

  // Sent synchronously: the queue reached maxBatchSize.
  t.deepEqual(calls, [[1, 2]]);

  const second = Promise.all([3, 4, 5].map(async (item) => await batcher.add(item)));

  await flush();
  t.deepEqual(calls, [[1, 2]]);
  release.resolve();
  t.deepEqual(await first, [1, 2]);
  t.deepEqual(await second, [3, 4, 5]);
  t.deepEqual(calls, [[1, 2], [3, 4], [5]]);
});

test('a call that fails rejects the items of its batch only', async (t) => {
  let call = 0;
  const batcher = createBatcher<number, number>({maxBatchSize: 2, maxInFlight: 2, run: async (items) => {
    if (++call === 1) {
      throw new Error('connect ECONNREFUSED');
    }

    return items;
  }});
  const outcomes = await Promise.allSettled([1, 2, 3].map(async (item) => await batcher.add(item)));

  await until(() => call === 2);
  t.deepEqual(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected', 'fulfilled']);
});
