import type {Logger} from 'roarr';
import {TIMER_IDLE, type TimerQueue, type TimerTarget} from '../planton/createTimerQueue.ts';
import type {Clock, Emitter} from '../planton/types.ts';
import type {Job} from '../scheduler/processorTypes.ts';
import type {AttemptLedger} from './createAttemptLedger.ts';
import type {WorkerHubEvents, WorkerInfo} from './createWorkerHub.ts';
import {WorkerLostError} from './protocol/errors.ts';
import type {HeldAttempt, WorkerConnection, WorkerSession} from './workerHubTypes.ts';

export type WorkerSessionsConfiguration = {
  readonly clock: Clock;
  /** A session as `listWorkers` reports it. */
  readonly describe: (session: WorkerSession) => WorkerInfo;
  readonly events: Pick<Emitter<WorkerHubEvents>, 'emit'>;
  /** Ends a job the session held; a job that ended meanwhile is no failure. */
  readonly failJob: (job: Job, error: Error) => void;
  readonly leaseDuration: number;
  readonly ledger: AttemptLedger;
  /** The hub's logger. */
  readonly log: Logger;
  /** After a change of who offers these tasks. */
  readonly refreshTasks: (taskNames: Iterable<string>) => void;
  /** The hub's sessions, by `key`. */
  readonly sessions: Map<string, WorkerSession>;
  readonly timers: TimerQueue;
};

export type WorkerSessions = {
  /** A new session for the connection's token and `clientId` (`key`), with its lease timer (not started: `renew` starts it). */
  readonly create: (connection: WorkerConnection, clientId: string, key: string) => WorkerSession;
  /** Forgets the session and fails the attempts it held with `toError(held)`. */
  readonly end: (session: WorkerSession, reason: string, toError: (held: HeldAttempt) => Error) => void;
  /** Moves the session's lease end to `leaseDuration` from now (any message of the worker renews it). */
  readonly renew: (session: WorkerSession) => void;
};

/**
 * The worker hub's sessions under their leases: a session whose worker sends nothing for
 * `leaseDuration` (connected or not) ends, and the attempts it held fail with `WORKER_LOST`.
 */
export const createWorkerSessions = ({clock, describe, events, failJob, leaseDuration, ledger, log, refreshTasks, sessions, timers}: WorkerSessionsConfiguration): WorkerSessions => {
  const elapsed = (): number => clock.monotonic?.() ?? clock.now();

  const endSession = (session: WorkerSession, reason: string, toError: (held: HeldAttempt) => Error) => {
    sessions.delete(session.key);
    timers.cancel(session.leaseTimer);

    const lost = [...session.held];

    for (const held of lost) {
      ledger.lose(held, reason);
      failJob(held.job, toError(held));
    }

    if (session.connection !== null) {
      session.connection.session = null;
      session.connection = null;
    }

    log.info({clientId: session.clientId, jobIds: lost.map(({job}) => job.id), name: session.name, reason}, 'worker session ended');
    events.emit('leave', {jobIds: lost.map(({job}) => job.id), reason, worker: describe(session)});
    refreshTasks(session.tasks);
  };

  const expire = (session: WorkerSession, reason: string) => {
    const socket = session.connection?.socket;

    endSession(session, reason, ({job}) => new WorkerLostError({clientId: session.clientId, jobId: job.id, reason, workerName: session.name}));
    socket?.terminate();
  };

  const renew = (session: WorkerSession) => {
    session.lastSeenAt = clock.now();
    session.leaseUntil = elapsed() + leaseDuration;

    // Renewals only move the deadline: the timer, when it fires early, waits again for what is left.
    if (session.leaseTimer.timerIndex === TIMER_IDLE) {
      timers.add(leaseDuration, session.leaseTimer);
    }
  };

  const createSession = (connection: WorkerConnection, clientId: string, key: string): WorkerSession => {
    const leaseTimer: TimerTarget = {
      onTimer: () => {
        const left = session.leaseUntil - elapsed();

        if (left > 0) {
          timers.add(left, leaseTimer);
        } else if (sessions.get(key) === session) {
          expire(session, `no message for ${leaseDuration} ms (leaseDuration)`);
        }
      },
      timerAt: 0,
      timerIndex: TIMER_IDLE,
      timerSequence: 0,
    };
    const session: WorkerSession = {
      clientId,
      concurrency: 1,
      connection,
      connectedAt: clock.now(),
      held: new Set(),
      key,
      lastAssigned: 0,
      lastSeenAt: clock.now(),
      leaseTimer,
      leaseUntil: 0,
      name: '',
      tasks: new Set(),
      tokenName: connection.tokenName,
    };

    return session;
  };

  return {create: createSession, end: endSession, renew};
};
