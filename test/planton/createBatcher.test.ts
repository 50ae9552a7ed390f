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

test('with the default options, calls made in one event-loop turn go out as one batch, each settling with its own output', async (t) => {
  const batches: number[][] = [];
  const batcher = createBatcher<number, number>({
    run: async (inputs) => {
      batches.push([...inputs]);

      return inputs.map((input) => input * 10);
    },
  });

  t.deepEqual(await Promise.all([1, 2, 3].map(async (input) => await batcher.add(input))), [10, 20, 30]);
  t.deepEqual(batches, [[1, 2, 3]]);
});

test('while the batches in flight are at their maximum, new calls wait and go out together, at most maxBatchSize each', async (t) => {
  const batches: number[][] = [];
  const first = createDeferred<void>();
  const batcher = createBatcher<number, number>({
    maxBatchSize: 2,
    maxInFlight: 1,
    run: async (inputs) => {
      batches.push([...inputs]);

      if (batches.length === 1) {
        await first.promise;
      }

      return inputs;
    },
  });
  const results = [batcher.add(1)];

  await new Promise<void>((resolve) => {
    setImmediate(resolve);
  });
  results.push(batcher.add(2), batcher.add(3), batcher.add(4));
  await new Promise<void>((resolve) => {
    setImmediate(resolve);
  });
  t.deepEqual(batches, [[1]]);
  first.resolve();
  t.deepEqual(await Promise.all(results), [1, 2, 3, 4]);
  t.deepEqual(batches, [[1], [2, 3], [4]]);
});

test('a failed batch rejects each of its calls; the next batch goes on (default options)', async (t) => {
  let calls = 0;
  const batcher = createBatcher<number, number>({
    run: async (inputs) => {
      calls++;

      if (calls === 1) {
        throw new Error('database gone');
      }

      return inputs;
    },
  });

  const failed = await Promise.allSettled([batcher.add(1), batcher.add(2)]);

  t.deepEqual(failed.map((result) => result.status), ['rejected', 'rejected']);
  t.is(await batcher.add(3), 3);
});
