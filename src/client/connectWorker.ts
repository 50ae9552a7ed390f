import {randomUUID} from 'node:crypto';
import {hostname} from 'node:os';
import WebSocket from 'ws';
import {createEmitter} from '../planton/createEmitter.ts';
import {createErrorReporter} from '../planton/createErrorReporter.ts';
import {createIntervalLoop, type IntervalLoop} from '../planton/createIntervalLoop.ts';
import {createListenerErrorHook} from '../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../planton/createSystemClock.ts';
import {Logger} from '../planton/Logger.ts';
import type {Clock, Emitter} from '../planton/types.ts';
import {DuplicateScheduledTaskError} from '../scheduler/errors.ts';
import type {Processor} from '../scheduler/processorTypes.ts';
import {createMessageParser} from '../server/protocol/createMessageParser.ts';
import {HUB_MESSAGES, type ClientMessage, type HubMessage, type MessageBody, PROTOCOL_VERSION} from '../server/protocol/messages.ts';
import {calculateReconnectDelay} from './calculateReconnectDelay.ts';
import {createOutbox} from './createOutbox.ts';
import {createRemoteJobRunner} from './createRemoteJobRunner.ts';
import {HubError, InvalidWorkerConfigurationError, ServerUnreachableError, WorkerClosedError} from './errors.ts';
import {validateWorkerConfiguration} from './validateWorkerConfiguration.ts';

const log = Logger.child({
  namespace: 'connectWorker',
});

export type ConnectWorkerConfiguration = {
  /**
   * Where time comes from: heartbeats, reconnection delays, job timeouts, delivery timeouts.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * How long `close()` waits for running jobs to end, then for the server to answer their last
   * calls (milliseconds), before it aborts them and gives up.
   * @default 5000
   */
  readonly closeTimeout?: number;
  /**
   * How many jobs this worker runs at once, across its tasks: the server never sends more.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * How long (milliseconds) `done`, `fail`, `log` and `progress` wait for the server's answer
   * (across reconnections) before they answer `server_unreachable`. The call is still sent when
   * the connection comes back; the server applies it once, or refuses it if the lease ended.
   * @default 30000
   */
  readonly deliveryTimeout?: number;
  /**
   * Shown by the server (`workers list`).
   * @default `${os.hostname()}:${process.pid}`
   */
  readonly name?: string;
  /**
   * Drives the reconnection jitter; returns a number in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * The wait before connecting again after a connection failed or was lost: doubling from
   * `initialDelay` up to `maxDelay` (milliseconds), with equal jitter (half of it random).
   * @default {initialDelay: 100, maxDelay: 10000}
   */
  readonly reconnectDelay?: {readonly initialDelay: number; readonly maxDelay: number};
  /** A token of role `worker`, sent as `Authorization: Bearer …`. */
  readonly token?: string;
  /** The server's WebSocket endpoint for workers, e.g. `wss://planton.example.com/v1/workers` (`http(s)://` is read as `ws(s)://`). */
  readonly url: string;
};

export type WorkerEvents = {
  /** Greeted by the server; `resumed`: it still held this worker's session (a reconnection within the lease), so its jobs are still its own. */
  readonly connect: {readonly resumed: boolean};
  /** The connection closed; the worker connects again (unless closed). */
  readonly disconnect: {readonly code: number; readonly reason: string};
  /** A connection failed (`server_unreachable`), the server refused something (`HubError`: `UNKNOWN_TASK` for a processor, …), a job's call failed with nobody to hear it. */
  readonly error: {readonly error: Error};
};

export type Worker = {
  /** Runs the task's jobs that the server sends here. The processor is called as in process (see `Processor`): returning completes the job unless it takes `done`. */
  readonly addProcessor: (taskName: string, processor: Processor) => void;
  /** The id this process greets the server with: reconnections under it resume its session. */
  readonly clientId: string;
  /**
   * Stops taking jobs, waits up to `closeTimeout` for running ones and for the server's answers to
   * their calls, aborts what is left, says goodbye and closes the socket. Safe to call twice.
   */
  readonly close: () => Promise<void>;
  readonly events: Emitter<WorkerEvents>;
  /** Infinitas' name for `addProcessor`. */
  readonly processor: (taskName: string, processor: Processor) => void;
  readonly removeProcessor: (taskName: string) => void;
};

/**
 * A remote processor: connects to a Planton server's worker endpoint, says which tasks it
 * processes, and runs the jobs the server gives it with the same job API as in process (`log`,
 * `progress`, `done`, `fail`, the `timeout` event, `signal`). Calls made while the connection is
 * lost are kept and sent when it comes back (reconnection with backoff and jitter); the server
 * applies each once and refuses those about an attempt it gave to someone else meanwhile.
 */
export const connectWorker = (configuration: ConnectWorkerConfiguration): Worker => {
  const options = validateWorkerConfiguration(configuration);
  const clock = configuration.clock ?? createSystemClock();
  const random = configuration.random ?? Math.random;
  const name = configuration.name ?? `${hostname()}:${process.pid}`;
  const clientId = randomUUID();
  const events = createEmitter<WorkerEvents>(createListenerErrorHook(log));
  const report = createErrorReporter<WorkerEvents>({events, log});
  const parse = createMessageParser<HubMessage>(HUB_MESSAGES);
  const processors = new Map<string, Processor>();
  const stopReconnecting = new AbortController();
  let socket: WebSocket | null = null;
  let greeted = false;
  let failures = 0;
  let lastHeardAt = 0;
  let heartbeats: IntervalLoop | null = null;
  let draining = false;
  let closing: Promise<void> | null = null;

  const reportError = (error: unknown, message: string) => {
    report({error: error instanceof Error ? error : new Error(String(error))}, message);
  };

  const sendNow = (body: MessageBody<ClientMessage>): boolean => {
    if (socket === null || socket.readyState !== WebSocket.OPEN) {
      return false;
    }

    socket.send(JSON.stringify({...body, v: PROTOCOL_VERSION}));

    return true;
  };

  const outbox = createOutbox({
    clock,
    deliveryTimeout: options.deliveryTimeout,
    send: (message) => greeted && sendNow(message),
  });

  const jobs = createRemoteJobRunner({
    clock,
    isDraining: () => draining,
    outbox,
    processors,
    reportError,
  });

  const offeredTasks = (): string[] => draining ? [] : [...processors.keys()];
  /** The tasks the last `hello` offered: a processor added or removed before its `welcome` is sent after it. */
  let offeredInHello = '';

  /** The attempts running here or with unanswered calls: the server sends again what it gave and this list lacks. */
  const knownAttempts = () => {
    const known = new Map<string, {readonly attempt: number; readonly jobId: number}>();

    for (const attempt of jobs.attempts()) {
      known.set(`${attempt.jobId}:${attempt.attempt}`, attempt);
    }

    for (const attempt of outbox.attempts()) {
      known.set(`${attempt.jobId}:${attempt.attempt}`, attempt);
    }

    return [...known.values()];
  };

  const onHubMessage = (data: unknown, isBinary: boolean) => {
    lastHeardAt = clock.now();

    const {error, message} = parse(data, isBinary);

    if (error !== null) {
      reportError(error, 'the server sent a message this worker cannot read');

      return;
    }

    switch (message.type) {
      case 'welcome':
        greeted = true;
        failures = 0;

        // Processors added or removed between the hello and this welcome were not sent (not greeted yet).
        if (JSON.stringify(offeredTasks()) !== offeredInHello) {
          sendNow({tasks: offeredTasks(), type: 'processors'});
        }

        // eslint-disable-next-line @typescript-eslint/no-use-before-define -- started and stopped with each connection
        startHeartbeats(message.heartbeatInterval);
        outbox.flush();
        events.emit('connect', {resumed: message.resumed});

        return;
      case 'job':
        jobs.run(message);

        return;
      case 'timeout':
        jobs.timeOut(message);

        return;
      case 'abort':
        jobs.abort(message, new HubError({attempt: message.attempt, code: 'JOB_ABORTED', jobId: message.jobId, message: `The server aborted job ${message.jobId}: ${message.reason}`}));

        return;
      case 'ack':
        outbox.answer(message);

        return;
      case 'error':
        if (message.jobId !== undefined && message.attempt !== undefined && message.seq !== undefined) {
          outbox.answer({...message, attempt: message.attempt, jobId: message.jobId, seq: message.seq});
        } else {
          reportError(new HubError(message), 'the server refused a message');
        }

        return;
      case 'heartbeat':
        return;
    }
  };

  const stopHeartbeats = () => {
    void heartbeats?.stop();
    heartbeats = null;
  };

  const startHeartbeats = (interval: number) => {
    stopHeartbeats();
    heartbeats = createIntervalLoop({
      clock,
      interval,
      run: async () => {
        // Two intervals without a word from the server: the connection is dead (a half-open socket).
        if (clock.now() - lastHeardAt > 2 * interval) {
          socket?.terminate();

          return;
        }

        sendNow({type: 'heartbeat'});
      },
    });
  };

  const connect = () => {
    const current = new WebSocket(options.url, {headers: configuration.token === undefined ? {} : {authorization: `Bearer ${configuration.token}`}});

    socket = current;
    greeted = false;
    current.on('open', () => {
      lastHeardAt = clock.now();

      const tasks = offeredTasks();

      offeredInHello = JSON.stringify(tasks);
      sendNow({
        clientId,
        concurrency: options.concurrency,
        jobs: knownAttempts(),
        name,
        tasks,
        type: 'hello',
      });
    });
    current.on('message', onHubMessage);
    current.on('error', (error) => {
      reportError(new ServerUnreachableError(error.message, error), 'the connection to the server failed');
    });
    current.on('close', (code, reason) => {
      const wasGreeted = greeted;

      socket = null;
      greeted = false;
      stopHeartbeats();

      if (wasGreeted) {
        events.emit('disconnect', {code, reason: reason.toString()});
      }

      if (stopReconnecting.signal.aborted) {
        return;
      }

      const delay = calculateReconnectDelay({attempt: failures++, ...options.reconnectDelay, random: random()});
      // The clock's timers are unref()ed: between two sockets this keeps a worker process alive.
      const keepAlive = setInterval(() => undefined, 2 ** 30);

      log.debug({delay}, 'reconnecting');
      void clock.sleep(delay, stopReconnecting.signal).then(() => {
        clearInterval(keepAlive);

        if (!stopReconnecting.signal.aborted) {
          connect();
        }
      });
    });
  };

  const addProcessor = (taskName: string, processor: Processor) => {
    if (closing !== null) {
      throw new WorkerClosedError('add a processor');
    }

    if (typeof taskName !== 'string' || taskName === '' || taskName.length > 200) {
      throw new InvalidWorkerConfigurationError('taskName', 'a string of 1 to 200 characters', taskName);
    }

    if (typeof processor !== 'function') {
      throw new InvalidWorkerConfigurationError('processor', 'a function', processor);
    }

    if (processors.has(taskName)) {
      throw new DuplicateScheduledTaskError(taskName, 'processor');
    }

    processors.set(taskName, processor);

    if (greeted) {
      sendNow({tasks: offeredTasks(), type: 'processors'});
    }
  };

  /** Resolves as `work` does, or once `deadline` (the clock's time) has passed. */
  const within = async (work: Promise<unknown>, deadline: number) => {
    const grace = new AbortController();

    await Promise.race([work, clock.sleep(Math.max(0, deadline - clock.now()), grace.signal)]);
    grace.abort();
  };

  connect();

  return {
    addProcessor,
    clientId,
    close: () => {
      closing ??= (async () => {
        const deadline = clock.now() + options.closeTimeout;

        draining = true;

        if (greeted) {
          sendNow({tasks: [], type: 'processors'});
        }

        // A job ends once the server answered its done or fail.
        await within(jobs.whenEnded(), deadline);
        jobs.abortAll();

        await within(outbox.whenEmpty(), deadline);
        outbox.rejectAll(new ServerUnreachableError(`the worker closed before the server answered (closeTimeout: ${options.closeTimeout} ms)`));
        stopReconnecting.abort();
        stopHeartbeats();

        const last = socket;

        if (last !== null && last.readyState !== WebSocket.CLOSED) {
          sendNow({type: 'bye'});

          const closed = new Promise<void>((resolve) => {
            last.once('close', () => {
              resolve();
            });
          });
          const grace = new AbortController();

          last.close(1000, 'bye');
          await Promise.race([closed, clock.sleep(1_000, grace.signal)]);
          grace.abort();
          last.terminate();
        }
      })();

      return closing;
    },
    events,
    processor: addProcessor,
    removeProcessor: (taskName) => {
      if (processors.delete(taskName) && greeted) {
        sendNow({tasks: offeredTasks(), type: 'processors'});
      }
    },
  };
};
