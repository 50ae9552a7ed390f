import test from 'ava';
import {calculateReconnectDelay} from '../../src/client/calculateReconnectDelay.ts';

const CASES: ReadonlyArray<readonly [number, number, number]> = [
  // attempt, random, delay (initialDelay 100, maxDelay 10,000)
  [0, 0, 50],
  [0, 0.999_999, 99.999_95],
  [1, 0.5, 150],
  [3, 0, 400],
  [7, 0, 5_000],
  [7, 0.5, 7_500],
  [60, 0.25, 6_250],
];

for (const [attempt, random, delay] of CASES) {
  test(`calculateReconnectDelay: attempt ${attempt}, random ${random} → ${delay} ms`, (t) => {
    t.is(calculateReconnectDelay({attempt, initialDelay: 100, maxDelay: 10_000, random}), delay);
  });
}
