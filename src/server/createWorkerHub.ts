import {createEmitter} from '../planton/createEmitter.ts';
import {createErrorReporter} from '../planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../planton/createSystemClock.ts';
import {createTimerQueue, TIMER_IDLE, type TimerTarget} from '../planton/createTimerQueue.ts';
import {PlantonError} from '../planton/errors.ts';
import {Logger} from '../planton/Logger.ts';
import type {Clock, Emitter} from '../planton/types.ts';
import type {Scheduler} from '../scheduler/createScheduler.ts';
import type {Job} from '../scheduler/processorTypes.ts';
import {createJobAllocator} from './createJobAllocator.ts';
import {createProcessorRegistry} from './createProcessorRegistry.ts';
import {createWorkerMessageHandler} from './createWorkerMessageHandler.ts';
import {createWorkerSessions} from './createWorkerSessions.ts';
import {
  InvalidWorkerHubConfigurationError,
  NoWorkerError,
  ProtocolError,
  WorkerHubClosedError,
  WorkerHubInternalError,
} from './protocol/errors.ts';
import {type HubMessage, type MessageBody, PROTOCOL_VERSION} from './protocol/messages.ts';
import type {WorkerConnection, WorkerSession, WorkerSocket} from './workerHubTypes.ts';

const log = Logger.child({
  namespace: 'createWorkerHub',
});

/** `WebSocket.OPEN`. */
const OPEN = 1;

/** How long `close()` waits for sockets to close before it terminates them (milliseconds). */
const CLOSE_TIMEOUT = 1_000;

export type WorkerHubConfiguration = {
  /**
   * Where time comes from: leases, heartbeats, the hello deadline.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * How often (milliseconds) workers are asked to send a `heartbeat` (told in `welcome`); below `leaseDuration`.
   * @default leaseDuration / 3
   */
  readonly heartbeatInterval?: number;
  /**
   * How long (milliseconds) a worker keeps its session and its jobs after its last message (a
   * heartbeat renews it): a worker that is silent or disconnected longer loses them, and they fail
   * with `WORKER_LOST`, retried as their task's retry policy says. A worker that reconnects within
   * it resumes its session and its jobs. A socket that sends no `hello` within it is closed.
   * @default 30000
   */
  readonly leaseDuration?: number;
  /**
   * How often (milliseconds) tasks that the scheduler refused a processor for (not scheduled yet) are tried again.
   * @default 5000
   */
  readonly registrationRetryInterval?: number;
  /**
   * How many ended attempts are remembered, to answer a message sent again or late (`ack`,
   * `ATTEMPT_REASSIGNED`) rather than `UNKNOWN_ATTEMPT`.
   * @default 10000
   */
  readonly rememberedAttempts?: number;
  /** The scheduler whose jobs the workers run: the hub adds a processor for each task some connected worker processes. */
  readonly scheduler: Pick<Scheduler, 'addProcessor' | 'removeProcessor'>;
};

/** A connected (or briefly disconnected) worker, as `listWorkers` reports it. */
export type WorkerInfo = {
  readonly clientId: string;
  readonly concurrency: number;
  /** `false` while it is away, within its lease. */
  readonly connected: boolean;
  readonly connectedAt: Date;
  /** The attempts it runs. */
  readonly jobs: ReadonlyArray<{readonly attempt: number; readonly jobId: number; readonly taskName: string}>;
  readonly lastSeenAt: Date;
  readonly name: string;
  readonly tasks: readonly string[];
  readonly tokenName: string;
};

export type WorkerHubEvents = {
  /** A job was given to a worker (its `jobs` include it). */
  readonly assign: {readonly attempt: number; readonly jobId: number; readonly taskName: string; readonly worker: WorkerInfo};
  /** A worker said hello: a new session, or `resumed` after a reconnection within its lease. */
  readonly connect: {readonly resumed: boolean; readonly worker: WorkerInfo};
  /** A worker's socket closed; its session and jobs wait for it until its lease ends. */
  readonly disconnect: {readonly worker: WorkerInfo};
  /** Something the hub survives failed (a send, a job call that should not fail). */
  readonly error: {readonly error: Error};
  /** A worker's session ended (lease ended, it said bye, the hub closed); `jobIds`: its attempts that failed with it. */
  readonly leave: {readonly jobIds: readonly number[]; readonly reason: string; readonly worker: WorkerInfo};
  /** A message was refused with a coded `error` reply (malformed, unexpected, an attempt not the sender's, …). */
  readonly refused: {readonly error: PlantonError; readonly worker: WorkerInfo | null};
};

export type WorkerHub = {
  /** Fails the jobs its workers hold or wait for (`WORKER_HUB_CLOSED`), removes its processors and closes every socket (terminated after 1 s). */
  readonly close: () => Promise<void>;
  readonly events: Emitter<WorkerHubEvents>;
  /** Takes a WebSocket the server accepted (and authenticated as `tokenName`): the worker protocol runs on it from now. */
  readonly handleConnection: (socket: WorkerSocket, context: {readonly tokenName: string}) => void;
  readonly listWorkers: () => readonly WorkerInfo[];
};

const positive = (option: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidWorkerHubConfigurationError(option, 'a finite number > 0 (milliseconds)', value);
  }

  return value;
};

/**
 * The server side of remote processors: takes workers' WebSockets, registers a processor on the
 * scheduler for each task some connected worker processes (and removes it when the last one
 * leaves, so the scheduler's `NO_PROCESSOR` retries apply), gives each job to one worker (see
 * `pickWorker`: least loaded, then round-robin, never above its concurrency), and relays the
 * worker's log, progress, done and fail into the job, and the job's timeout to the worker. Jobs are
 * held under a lease the worker renews with any message: a worker away longer than `leaseDuration`
 * loses them (`WORKER_LOST`, retried as the task says), and its late results are refused.
 */
export const createWorkerHub = (configuration: WorkerHubConfiguration): WorkerHub => {
  const {scheduler} = configuration;
  const clock = configuration.clock ?? createSystemClock();
  const leaseDuration = positive('leaseDuration', configuration.leaseDuration ?? 30_000);
  const heartbeatInterval = positive('heartbeatInterval', configuration.heartbeatInterval ?? Math.ceil(leaseDuration / 3));

  if (configuration.heartbeatInterval !== undefined && heartbeatInterval >= leaseDuration) {
    // A worker heartbeating less often than its lease would lose its jobs between two heartbeats.
    throw new InvalidWorkerHubConfigurationError('heartbeatInterval', `a number of milliseconds below \`leaseDuration\` (${leaseDuration})`, heartbeatInterval);
  }

  const registrationRetryInterval = positive('registrationRetryInterval', configuration.registrationRetryInterval ?? 5_000);
  const remembered = configuration.rememberedAttempts ?? 10_000;

  if (!Number.isSafeInteger(remembered) || remembered < 0) {
    throw new InvalidWorkerHubConfigurationError('rememberedAttempts', 'an integer >= 0', remembered);
  }

  const events = createEmitter<WorkerHubEvents>(createListenerErrorHook(log));
  const report = createErrorReporter<WorkerHubEvents>({events, log});
  const timers = createTimerQueue(clock);
  const connections = new Set<WorkerConnection>();
  const sessions = new Map<string, WorkerSession>();
  let closing: Promise<void> | null = null;

  const reportError = (error: unknown, message: string) => {
    report({error: error instanceof Error ? error : new Error(String(error))}, message);
  };

  const describe = (session: WorkerSession): WorkerInfo => ({
    clientId: session.clientId,
    concurrency: session.concurrency,
    connected: session.connection !== null,
    connectedAt: new Date(session.connectedAt),
    jobs: [...session.held].map(({job}) => ({attempt: job.attempt, jobId: job.id, taskName: job.taskName})),
    lastSeenAt: new Date(session.lastSeenAt),
    name: session.name,
    tasks: [...session.tasks],
    tokenName: session.tokenName,
  });

  const send = (socket: WorkerSocket, body: MessageBody<HubMessage>) => {
    if (socket.readyState !== OPEN) {
      return;
    }

    try {
      socket.send(JSON.stringify({...body, v: PROTOCOL_VERSION}));
    } catch (error) {
      // The socket failed under us; its close follows.
      log.debug({error: String(error)}, 'send failed');
    }
  };

  /** To the session's socket of the moment (none while it is away: what it missed it asks again after reconnecting). */
  const sendTo = (session: WorkerSession, body: MessageBody<HubMessage>) => {
    if (session.connection !== null) {
      send(session.connection.socket, body);
    }
  };

  const refuse = (socket: WorkerSocket, error: PlantonError, session: WorkerSession | null, extra: {readonly taskName?: string} = {}) => {
    log.debug({code: error.code, message: error.message}, 'message refused');
    send(socket, {code: error.code, message: error.message, type: 'error', ...extra});
    events.emit('refused', {error, worker: session === null ? null : describe(session)});
  };

  const offering = (taskName: string, connectedOnly: boolean): WorkerSession[] => {
    return [...sessions.values()].filter((session) => session.tasks.has(taskName) && (!connectedOnly || session.connection !== null));
  };

  const failJob = (job: Job, error: Error) => {
    job.fail(error).catch((failure: unknown) => {
      // Already ended (timed out meanwhile) is fine; a store failure is the scheduler's to report.
      log.debug({code: String((failure as {readonly code?: unknown}).code), jobId: job.id}, 'failing a job changed nothing');
    });
  };

  const allocator = createJobAllocator({
    assigned: (session, job) => {
      events.emit('assign', {attempt: job.attempt, jobId: job.id, taskName: job.taskName, worker: describe(session)});
    },
    fail: failJob,
    offering,
    remembered,
    send: sendTo,
  });

  const registry = createProcessorRegistry({
    clock,
    isWanted: (taskName) => closing === null && offering(taskName, true).length > 0,
    processor: (job, _done) => {
      // Two parameters: the job ends only through the worker's done or fail, whatever this returns.
      if (closing === null) {
        allocator.add(job);
      } else {
        failJob(job, new WorkerHubClosedError(job.id));
      }
    },
    retryInterval: registrationRetryInterval,
    scheduler,
  });

  /** After a change of who offers these tasks: processors added or removed, waiting jobs handed out or failed. */
  const refreshTasks = (taskNames: Iterable<string>) => {
    for (const taskName of taskNames) {
      registry.refresh(taskName);

      if (offering(taskName, false).length === 0) {
        allocator.failWaiting(taskName, (job) => new NoWorkerError(job.id, taskName));
      } else if (allocator.isWaiting(taskName)) {
        allocator.dispatch(taskName);
      }
    }
  };

  const workerSessions = createWorkerSessions({clock, describe, events, failJob, leaseDuration, ledger: allocator.ledger, log, refreshTasks, sessions, timers});
  const {end: endSession} = workerSessions;
  const onMessage = createWorkerMessageHandler({
    allocator,
    describe,
    events,
    heartbeatInterval,
    leaseDuration,
    log,
    refreshTasks,
    refuse,
    registry,
    send,
    sendTo,
    sessions,
    timers,
    workerSessions,
  });

  const onClose = (connection: WorkerConnection) => {
    const {session} = connection;

    connections.delete(connection);
    timers.cancel(connection.helloTimer);

    if (session === null || session.connection !== connection) {
      return;
    }

    session.connection = null;
    connection.session = null;
    log.info({clientId: session.clientId, jobs: session.held.size, name: session.name}, 'worker disconnected');
    events.emit('disconnect', {worker: describe(session)});
    refreshTasks(session.tasks);
  };

  return {
    close: () => {
      closing ??= (async () => {
        await registry.stop();

        // Waiting jobs first: ending the sessions would fail them with NO_WORKER.
        for (const taskName of allocator.waitingTasks()) {
          allocator.failWaiting(taskName, (job) => new WorkerHubClosedError(job.id));
        }

        for (const session of [...sessions.values()]) {
          endSession(session, 'the hub closed', ({job}) => new WorkerHubClosedError(job.id));
        }

        for (const connection of connections) {
          timers.cancel(connection.helloTimer);
          connection.socket.close(1001, 'the hub is closing');
        }

        const grace = new AbortController();

        await Promise.race([Promise.all([...connections].map(async ({closed}) => await closed)), clock.sleep(CLOSE_TIMEOUT, grace.signal)]);
        grace.abort();

        for (const connection of connections) {
          connection.socket.terminate();
        }
      })();

      return closing;
    },
    events,
    handleConnection: (socket, {tokenName}) => {
      const helloTimer: TimerTarget = {
        onTimer: () => {
          if (connection.session === null) {
            refuse(socket, new ProtocolError('UNEXPECTED_MESSAGE', `Expected \`hello\` within ${leaseDuration} ms (leaseDuration), got none.`), null);
            socket.close(1008, 'no hello');
          }
        },
        timerAt: 0,
        timerIndex: TIMER_IDLE,
        timerSequence: 0,
      };
      const connection: WorkerConnection = {
        closed: new Promise<void>((resolve) => {
          socket.on('close', () => {
            onClose(connection);
            resolve();
          });
        }),
        helloTimer,
        session: null,
        socket,
        tokenName,
      };

      connections.add(connection);
      socket.on('error', (error: Error) => {
        // A close follows.
        log.debug({error: error.message}, 'worker socket error');
      });
      socket.on('message', (data: unknown, isBinary: boolean) => {
        try {
          onMessage(connection, data, isBinary);
        } catch (error) {
          reportError(error, 'the worker hub failed to handle a message');
          refuse(socket, new WorkerHubInternalError(error), connection.session);
        }
      });

      if (closing === null) {
        timers.add(leaseDuration, helloTimer);
      } else {
        socket.close(1001, 'the hub is closing');
      }
    },
    listWorkers: () => [...sessions.values()].map(describe),
  };
};
