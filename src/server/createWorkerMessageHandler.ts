import type {Logger} from 'roarr';
import type {TimerQueue} from '../planton/createTimerQueue.ts';
import {PlantonError} from '../planton/errors.ts';
import type {Emitter} from '../planton/types.ts';
import type {JobAllocator} from './createJobAllocator.ts';
import type {ProcessorRegistry} from './createProcessorRegistry.ts';
import type {WorkerHubEvents, WorkerInfo} from './createWorkerHub.ts';
import type {WorkerSessions} from './createWorkerSessions.ts';
import {createMessageParser} from './protocol/createMessageParser.ts';
import {ProtocolError, WorkerLostError} from './protocol/errors.ts';
import {CLIENT_MESSAGES, type ClientMessage, type HubMessage, type MessageBody} from './protocol/messages.ts';
import type {WorkerConnection, WorkerSession, WorkerSocket} from './workerHubTypes.ts';

export type WorkerMessageHandlerConfiguration = {
  readonly allocator: Pick<JobAllocator, 'dispatchFor' | 'ledger' | 'sendJob'>;
  /** A session as `listWorkers` reports it. */
  readonly describe: (session: WorkerSession) => WorkerInfo;
  readonly events: Pick<Emitter<WorkerHubEvents>, 'emit'>;
  /** Told to workers in `welcome`. */
  readonly heartbeatInterval: number;
  /** Told to workers in `welcome`. */
  readonly leaseDuration: number;
  /** The hub's logger. */
  readonly log: Logger;
  /** After a change of who offers these tasks. */
  readonly refreshTasks: (taskNames: Iterable<string>) => void;
  /** Answers a message with a coded `error` and emits `refused`. */
  readonly refuse: (socket: WorkerSocket, error: PlantonError, session: WorkerSession | null, extra?: {readonly taskName?: string}) => void;
  readonly registry: Pick<ProcessorRegistry, 'refusal'>;
  /** Sends to a socket (nothing once it is not open). */
  readonly send: (socket: WorkerSocket, body: MessageBody<HubMessage>) => void;
  /** Sends to the session's socket of the moment (nothing while it is away). */
  readonly sendTo: (session: WorkerSession, body: MessageBody<HubMessage>) => void;
  /** The hub's sessions, by `key`. */
  readonly sessions: Map<string, WorkerSession>;
  readonly timers: Pick<TimerQueue, 'cancel'>;
  readonly workerSessions: WorkerSessions;
};

/**
 * The worker protocol on one connection: `hello` first (a new session, or the one it resumes),
 * then heartbeats, the tasks it processes, `bye`, and the messages about its attempts (passed to
 * the attempt ledger). Any message renews the sender's lease.
 */
export const createWorkerMessageHandler = ({allocator, describe, events, heartbeatInterval, leaseDuration, log, refreshTasks, refuse, registry, send, sendTo, sessions, timers, workerSessions}: WorkerMessageHandlerConfiguration): ((connection: WorkerConnection, data: unknown, isBinary: boolean) => void) => {
  const {ledger} = allocator;
  const parse = createMessageParser<ClientMessage>(CLIENT_MESSAGES);
  const {create: createSession, end: endSession, renew} = workerSessions;

  const greet = (connection: WorkerConnection, hello: Extract<ClientMessage, {readonly type: 'hello'}>) => {
    const key = `${connection.tokenName}\u0000${hello.clientId}`;
    const existing = sessions.get(key);
    const session = existing ?? createSession(connection, hello.clientId, key);
    const previous = session.connection;

    if (previous !== null && previous !== connection) {
      // The same client on a new socket: the old one is dead or dying.
      previous.session = null;
      previous.socket.terminate();
    }

    timers.cancel(connection.helloTimer);
    sessions.set(key, session);
    session.connection = connection;
    connection.session = session;
    session.name = hello.name;
    session.concurrency = hello.concurrency;
    renew(session);
    send(connection.socket, {heartbeatInterval, leaseDuration, resumed: existing !== undefined, type: 'welcome'});

    // What the client knows of and the hub does not give it any more is aborted; what the hub gave it and it does not know (lost on the way) is sent again.
    const known = new Set(hello.jobs.map(({attempt, jobId}) => `${jobId}:${attempt}`));

    for (const {attempt, jobId} of hello.jobs) {
      const held = ledger.get(jobId, attempt);

      if (held === undefined || held.lost !== null || held.session !== session) {
        send(connection.socket, {attempt, jobId, reason: held?.lost ?? 'this worker no longer holds the attempt', type: 'abort'});
      }
    }

    for (const held of session.held) {
      if (!known.has(`${held.job.id}:${held.job.attempt}`)) {
        allocator.sendJob(session, held);
      }
    }

    log.info({clientId: session.clientId, name: session.name, resumed: existing !== undefined, tasks: hello.tasks}, 'worker connected');
    events.emit('connect', {resumed: existing !== undefined, worker: describe(session)});
    setTasks(session, hello.tasks);
    allocator.dispatchFor(session);
  };

  const setTasks = (session: WorkerSession, tasks: readonly string[]) => {
    const before = session.tasks;

    session.tasks = new Set(tasks);
    refreshTasks(new Set([...before, ...session.tasks]));

    // Each worker hears once per offer why a task of its gets no jobs (yet: refused tasks are tried again).
    for (const taskName of session.tasks) {
      const refusal = before.has(taskName) ? null : registry.refusal(taskName);

      if (refusal !== null && session.connection !== null) {
        refuse(session.connection.socket, refusal, session, {taskName});
      }
    }
  };

  const onMessage = (connection: WorkerConnection, data: unknown, isBinary: boolean) => {
    const {session, socket} = connection;

    if (session !== null) {
      renew(session);
    }

    const {error, message} = parse(data, isBinary);

    if (error !== null) {
      refuse(socket, error, session);

      if (session === null && error.code === 'UNSUPPORTED_PROTOCOL_VERSION') {
        // A client of another version cannot go on.
        socket.close(1002, 'unsupported protocol version');
      }

      return;
    }

    if (message.type === 'hello') {
      if (session === null) {
        greet(connection, message);
      } else {
        refuse(socket, new ProtocolError('UNEXPECTED_MESSAGE', 'Expected one `hello` per connection, got a second one.', '/type'), session);
      }

      return;
    }

    if (session === null) {
      refuse(socket, new ProtocolError('UNEXPECTED_MESSAGE', `Expected \`hello\` first, got \`${message.type}\`.`, '/type'), null);

      return;
    }

    switch (message.type) {
      case 'heartbeat':
        send(socket, {type: 'heartbeat'});

        return;
      case 'processors':
        setTasks(session, message.tasks);

        return;
      case 'bye':
        endSession(session, 'it said bye', ({job}) => new WorkerLostError({clientId: session.clientId, jobId: job.id, reason: 'it closed while running the job', workerName: session.name}));
        socket.close(1000, 'bye');

        return;
      default:
        void ledger.handle(session, message).then((reply) => {
          sendTo(session, reply);

          if (reply.type === 'error') {
            events.emit('refused', {error: new PlantonError(reply.message, reply.code), worker: describe(session)});
          }
        });
    }
  };

  return onMessage;
};
