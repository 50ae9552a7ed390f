import test from 'ava';
import {createBatcher} from '../../src/scheduler/createBatcher.ts';
import {createDeferred} from '../helpers/createManualClock.ts';

test('calls made in one event-loop turn go out as one batch, each settling with its own output', async (t) => {
  const batches: number[][] = [];
  const batcher = createBatcher<number, number>({
    handle: async (inputs) => {
      batches.push([...inputs]);

      return inputs.map((input) => input * 10);
    },
  });

  t.deepEqual(await Promise.all([1, 2, 3].map(async (input) => await batcher.add(input))), [10, 20, 30]);
  t.deepEqual(batches, [[1, 2, 3]]);
});

test('while the batches in flight are at their maximum, new calls wait and go out together, at most maximumSize each', async (t) => {
  const batches: number[][] = [];
  const first = createDeferred<void>();
  const batcher = createBatcher<number, number>({
    handle: async (inputs) => {
      batches.push([...inputs]);

      if (batches.length === 1) {
        await first.promise;
      }

      return inputs;
    },
    maximumInFlight: 1,
    maximumSize: 2,
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

test('a failed batch rejects each of its calls; the next batch goes on', async (t) => {
  let calls = 0;
  const batcher = createBatcher<number, number>({
    handle: async (inputs) => {
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
