import test from 'ava';
import {calculateDispatchDelay, type CalculateDispatchDelayConfiguration} from '../../src/scheduler/calculateDispatchDelay.ts';
import {CLAIM_AHEAD, MATERIALIZE_WHEN} from '../../src/scheduler/dispatchHorizons.ts';
import type {WakeTimes} from '../../src/scheduler/storeTypes.ts';

const NOW = 100_000;
const NO_WAKE: WakeTimes = {blocked: false, claimAt: null, leaseUntil: null, nextRunAt: null, unprocessedRunAt: null};

/** A dispatcher whose last full round was now, with nothing to wake it before `pollInterval` (10 s). */
const idle: CalculateDispatchDelayConfiguration = {
  claimRequested: false,
  failures: 0,
  graceEndsAt: null,
  lastFullRoundAt: NOW,
  leaseGrace: 2_000,
  materializeRequested: false,
  noProcessorGrace: 5_000,
  now: NOW,
  planning: false,
  pollInterval: 10_000,
  wake: NO_WAKE,
};

const cases: Array<[string, Partial<CalculateDispatchDelayConfiguration>, number]> = [
  ['nothing to wait for: the next full round, pollInterval away', {}, 10_000],
  ['a full round overdue: at once', {lastFullRoundAt: NOW - 20_000}, 0],
  ['one failed round: 200 ms', {failures: 1}, 200],
  ['three failed rounds: 800 ms', {failures: 3}, 800],
  ['failed rounds back off to pollInterval at most', {failures: 10}, 10_000],
  ['failed rounds back off even when a claim is requested', {claimRequested: true, failures: 1}, 200],
  ['a claim requested: at once', {claimRequested: true}, 0],
  ['planning requested: at once', {materializeRequested: true}, 0],
  ['the next slot to plan: MATERIALIZE_WHEN before it', {wake: {...NO_WAKE, nextRunAt: NOW + 5_000}}, 5_000 - MATERIALIZE_WHEN],
  ['the next slot while a planning runs: its end wakes the dispatcher, not the slot', {planning: true, wake: {...NO_WAKE, nextRunAt: NOW + 5_000}}, 10_000],
  ['the next job to claim: CLAIM_AHEAD before it', {wake: {...NO_WAKE, claimAt: NOW + 1_000}}, 1_000 - CLAIM_AHEAD],
  ['a job of an unprocessed task: when its grace ends', {wake: {...NO_WAKE, unprocessedRunAt: NOW + 1_000}}, 1_000 + 5_000],
  ['a lease: when its grace ends', {wake: {...NO_WAKE, leaseUntil: NOW + 1_000}}, 1_000 + 2_000],
  ['a no-processor grace the last round left running', {graceEndsAt: NOW + 2_500}, 2_500],
  ['the earliest of several wins', {graceEndsAt: NOW + 2_500, wake: {...NO_WAKE, claimAt: NOW + 3_000, leaseUntil: NOW + 100, nextRunAt: NOW + 9_000}}, 2_100],
  ['a wake time already past: at once, never negative', {wake: {...NO_WAKE, claimAt: NOW - 5_000}}, 0],
  ['never later than pollInterval from now', {lastFullRoundAt: NOW + 50_000, wake: {...NO_WAKE, nextRunAt: NOW + 60_000}}, 10_000],
];

for (const [title, input, expected] of cases) {
  test(`calculateDispatchDelay: ${title}`, (t) => {
    t.is(calculateDispatchDelay({...idle, ...input}), expected);
  });
}
