import type {Scenario} from './types.ts';

/** Every scenario of `npm run bench -- core`, by name; the parent runs them in this order. */
export const scenarios: Readonly<Record<string, Scenario>> = {
  'dispatch-1x1000': {concurrency: 1_000, durationMs: 5_000, kind: 'dispatch', taskCount: 1, warmUpMs: 500},
  'dispatch-100x10': {concurrency: 10, durationMs: 5_000, kind: 'dispatch', taskCount: 100, warmUpMs: 500},
  'idle-10000': {delayMs: 1_000, durationMs: 10_000, kind: 'idle', taskCount: 10_000},
  // The parent kills the child `deadlineMs` after the timer is armed: a starved event loop cannot report.
  'no-starvation': {concurrency: 10, deadlineMs: 2_000, kind: 'no-starvation', timerMs: 20},
};
