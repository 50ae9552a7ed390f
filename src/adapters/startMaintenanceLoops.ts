import type {ReportError} from '../planton/createErrorReporter.ts';
import {createIntervalLoop, type IntervalLoop} from '../planton/createIntervalLoop.ts';
import type {Clock, TaskInstruction} from '../planton/types.ts';
import {StoreBackgroundError} from './errors.ts';
import type {StoreEvents} from './types.ts';

/**
 * Starts a store's background loops, each on `clock`: the heartbeat (every `heartbeatInterval`),
 * the reaper (every `reaperInterval`, unless 0) and, for a store without notifications, the poll
 * for other connections' commits (every `pollInterval`, unless 0 or without `poll`). Failures are
 * reported (HEARTBEAT, REAP, LISTEN) and the loop goes on. Returns the function that stops them
 * all (each waits for its round in flight). The PostgreSQL, MySQL and SQLite stores start theirs here.
 */
export const startMaintenanceLoops = <Instruction extends TaskInstruction>({beat, clock, heartbeatInterval, poll, pollFailure = 'polling failed', pollInterval = 0, reap, reaperInterval, reportError}: {
  readonly beat: () => Promise<void> | void;
  readonly clock: Clock;
  readonly heartbeatInterval: number;
  /** Wakes the subscribers when another connection may have committed since the last poll. */
  readonly poll?: () => void;
  /** The log message of a failed poll. */
  readonly pollFailure?: string;
  readonly pollInterval?: number;
  readonly reap: () => Promise<unknown>;
  readonly reaperInterval: number;
  readonly reportError: ReportError<StoreEvents<Instruction>['error']>;
}): (() => Promise<void>) => {
  const loops: IntervalLoop[] = [createIntervalLoop({
    clock,
    interval: heartbeatInterval,
    run: async () => {
      try {
        await beat();
      } catch (error) {
        reportError({error: new StoreBackgroundError('HEARTBEAT', error)}, 'heartbeat failed');
      }
    },
  })];

  if (reaperInterval > 0) {
    loops.push(createIntervalLoop({
      clock,
      interval: reaperInterval,
      run: async () => {
        try {
          await reap();
        } catch (error) {
          reportError({error: new StoreBackgroundError('REAP', error)}, 'reaper failed');
        }
      },
    }));
  }

  if (poll !== undefined && pollInterval > 0) {
    loops.push(createIntervalLoop({
      clock,
      interval: pollInterval,
      run: async () => {
        try {
          poll();
        } catch (error) {
          reportError({error: new StoreBackgroundError('LISTEN', error)}, pollFailure);
        }
      },
    }));
  }

  return async () => {
    await Promise.all(loops.map(async (loop) => {
      await loop.stop();
    }));
  };
};
