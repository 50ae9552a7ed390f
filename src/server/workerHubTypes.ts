import type {TimerTarget} from '../planton/createTimerQueue.ts';
import type {Job} from '../scheduler/processorTypes.ts';
import type {AttemptReply} from './protocol/messages.ts';

/**
 * What the hub needs of a WebSocket: the `ws` package's `WebSocket` (as `@fastify/websocket` hands
 * it) fits. Text frames carry one JSON message each.
 */
export type WorkerSocket = {
  readonly close: (code?: number, reason?: string) => void;
  // `any`: each event's listener takes its own arguments (ws types them per event name).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly on: (event: string, listener: (...arguments_: any[]) => void) => unknown;
  /** 1 while open (`WebSocket.OPEN`). */
  readonly readyState: number;
  readonly send: (data: string) => void;
  readonly terminate: () => void;
};

/** One socket, greeted or not. */
export type WorkerConnection = {
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  /** Closes the connection if no `hello` comes within the lease. */
  readonly helloTimer: TimerTarget;
  session: WorkerSession | null;
  readonly socket: WorkerSocket;
  readonly tokenName: string;
};

/** A client process (its `clientId` under one token), across reconnections, until its lease ends. */
export type WorkerSession = {
  readonly clientId: string;
  concurrency: number;
  /** Its current socket; `null` while it is away (within its lease). */
  connection: WorkerConnection | null;
  readonly connectedAt: number;
  /** The attempts it runs now: its load. */
  readonly held: Set<HeldAttempt>;
  /** `tokenName` and `clientId`: the key of `sessions`. */
  readonly key: string;
  lastAssigned: number;
  /** Wall-clock time of its last message, for `listWorkers`. */
  lastSeenAt: number;
  /** Monotonic time its lease ends unless a message renews it. */
  leaseUntil: number;
  readonly leaseTimer: TimerTarget;
  name: string;
  tasks: ReadonlySet<string>;
  readonly tokenName: string;
};

/** An attempt the hub gave a worker, kept after it ended (a bounded number of them) to answer messages sent again or late. */
export type HeldAttempt = {
  /** Counts towards its worker's load: given and not yet ended (done, failed, timed out or lost). */
  active: boolean;
  /** The answer to its `done` or `fail`, once one came: a copy sent again gets the same answer. */
  final: Promise<AttemptReply> | null;
  /** The hub's side of the job: the worker's calls are made on it. */
  readonly job: Job;
  /** The `seq` of the last message applied: one sent again (seq not above it) is answered, not applied again. */
  lastSeq: number;
  /** Why the worker lost it (lease ended, worker left): its messages are refused with `ATTEMPT_REASSIGNED`. */
  lost: string | null;
  readonly session: WorkerSession;
};
