import test from 'ava';
import {pickWorker, type WorkerLoad} from '../../src/server/pickWorker.ts';

const w = (load: number, concurrency: number, lastAssigned: number): WorkerLoad => ({concurrency, lastAssigned, load});

const CASES: ReadonlyArray<readonly [string, readonly WorkerLoad[], number]> = [
  ['no worker', [], -1],
  ['all at their concurrency', [w(1, 1, 0), w(2, 2, 0)], -1],
  ['the only one with room', [w(1, 1, 0), w(1, 2, 5)], 1],
  ['the least loaded first', [w(2, 4, 0), w(1, 4, 9)], 1],
  ['equal load: the one given a job least recently (round-robin)', [w(0, 1, 7), w(0, 1, 3), w(0, 1, 5)], 1],
  ['equal load, never given one: the first listed', [w(0, 1, 0), w(0, 1, 0)], 0],
  ['a full worker is skipped however long it waited', [w(1, 1, 0), w(1, 3, 8)], 1],
];

for (const [title, workers, expected] of CASES) {
  test(`pickWorker: ${title}`, (t) => {
    t.is(pickWorker(workers), expected);
  });
}

test('pickWorker: jobs that end at once go round in turn, counts within one of each other', (t) => {
  const workers = [w(0, 1, 0), w(0, 2, 0), w(0, 1, 0)].map((worker) => ({...worker}));
  const counts = [0, 0, 0];

  for (let sequence = 1; sequence <= 31; sequence++) {
    const index = pickWorker(workers);

    counts[index] = (counts[index] ?? 0) + 1;
    workers[index] = {...workers[index] as WorkerLoad, lastAssigned: sequence};
  }

  t.deepEqual(counts, [11, 10, 10]);
});
