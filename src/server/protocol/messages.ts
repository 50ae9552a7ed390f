/**
 * The messages of the remote-processor protocol (WebSocket, one JSON object per text frame), as
 * JSON schemas (TypeBox) from which their TypeScript types are derived. The hub validates what
 * clients send with them, and `connectWorker` what the hub sends: one definition for both sides.
 * docs/server.md documents them as a table.
 */
import Type, {type Static} from 'typebox';

/** The version every message carries in `v`; a peer refuses any other. */
export const PROTOCOL_VERSION = 1;

/** Longest task name, worker name or client id a peer accepts. */
const NAME_LENGTH = 200;

/** Most tasks one client may offer. */
const TASK_COUNT = 1_000;

const version = Type.Literal(PROTOCOL_VERSION);
const jobId = Type.Integer({maximum: Number.MAX_SAFE_INTEGER, minimum: 1});
const attempt = Type.Integer({maximum: Number.MAX_SAFE_INTEGER, minimum: 1});
/** Numbers a client's messages about one attempt from 1, so that a message sent again after a reconnection is applied once. */
const seq = Type.Integer({maximum: Number.MAX_SAFE_INTEGER, minimum: 1});
const taskNames = Type.Array(Type.String({maxLength: NAME_LENGTH, minLength: 1}), {maxItems: TASK_COUNT});
const milliseconds = Type.Integer({maximum: Number.MAX_SAFE_INTEGER, minimum: 0});

const strict = {additionalProperties: false} as const;

export const HelloMessage = Type.Object({
  /** Stable for the life of the client process: a reconnection with the same id resumes the session and its jobs. */
  clientId: Type.String({maxLength: NAME_LENGTH, minLength: 1}),
  concurrency: Type.Integer({maximum: 10_000, minimum: 1}),
  /** The attempts the client runs or has unanswered messages about (after a reconnection): the hub sends again the jobs it gave and the client does not list, and aborts those listed that are no longer the client's. */
  jobs: Type.Array(Type.Object({attempt, jobId}, strict), {maxItems: 100_000}),
  name: Type.String({maxLength: NAME_LENGTH}),
  tasks: taskNames,
  type: Type.Literal('hello'),
  v: version,
}, strict);

export const ProcessorsMessage = Type.Object({tasks: taskNames, type: Type.Literal('processors'), v: version}, strict);

export const HeartbeatMessage = Type.Object({type: Type.Literal('heartbeat'), v: version}, strict);

export const ByeMessage = Type.Object({type: Type.Literal('bye'), v: version}, strict);

export const LogMessage = Type.Object({attempt, jobId, message: Type.String(), seq, type: Type.Literal('log'), v: version}, strict);

export const ProgressMessage = Type.Object({
  attempt,
  jobId,
  progress: Type.Union([Type.Number({maximum: 1, minimum: 0}), Type.Null()]),
  seq,
  step: Type.Union([Type.String(), Type.Null()]),
  type: Type.Literal('progress'),
  v: version,
}, strict);

export const DoneMessage = Type.Object({attempt, jobId, result: Type.Optional(Type.Unknown()), seq, type: Type.Literal('done'), v: version}, strict);

/** `error`: the client's error as serialize-error writes it (`{name, message, code?, stack?, …}`), or any JSON value the processor failed with. */
export const FailMessage = Type.Object({attempt, error: Type.Unknown(), jobId, seq, type: Type.Literal('fail'), v: version}, strict);

export const WelcomeMessage = Type.Object({
  /** How often (milliseconds) the client sends `heartbeat`. */
  heartbeatInterval: milliseconds,
  /** How long (milliseconds) the hub keeps the client's session and jobs after its last message. */
  leaseDuration: milliseconds,
  /** `true` when the hub still held the client's session (a reconnection within the lease): its jobs are still its own. */
  resumed: Type.Boolean(),
  type: Type.Literal('welcome'),
  v: version,
}, strict);

export const JobMessage = Type.Object({
  attempt,
  jobId,
  payload: Type.Unknown(),
  scheduledFor: milliseconds,
  slotCount: Type.Integer({minimum: 1}),
  taskName: Type.String({minLength: 1}),
  /** The task's timeout (milliseconds): the client times the job out after it unless the hub's `timeout` message comes first. */
  timeout: milliseconds,
  type: Type.Literal('job'),
  v: version,
}, strict);

export const TimeoutMessage = Type.Object({attempt, jobId, type: Type.Literal('timeout'), v: version}, strict);

export const AbortMessage = Type.Object({attempt, jobId, reason: Type.String(), type: Type.Literal('abort'), v: version}, strict);

export const AckMessage = Type.Object({attempt, jobId, seq, type: Type.Literal('ack'), v: version}, strict);

export const ErrorMessage = Type.Object({
  /** Present when the error answers a message about an attempt (`log`, `progress`, `done`, `fail`). */
  attempt: Type.Optional(attempt),
  code: Type.String({minLength: 1}),
  jobId: Type.Optional(jobId),
  message: Type.String(),
  seq: Type.Optional(seq),
  /** Present when the error is about a task the client offered (`UNKNOWN_TASK`, `DUPLICATE_TASK_NAME`). */
  taskName: Type.Optional(Type.String()),
  type: Type.Literal('error'),
  v: version,
}, strict);

/** What a client sends, by `type`. */
export const CLIENT_MESSAGES = {
  bye: ByeMessage,
  done: DoneMessage,
  fail: FailMessage,
  heartbeat: HeartbeatMessage,
  hello: HelloMessage,
  log: LogMessage,
  processors: ProcessorsMessage,
  progress: ProgressMessage,
} as const;

/** What the hub sends, by `type`. */
export const HUB_MESSAGES = {
  abort: AbortMessage,
  ack: AckMessage,
  error: ErrorMessage,
  heartbeat: HeartbeatMessage,
  job: JobMessage,
  timeout: TimeoutMessage,
  welcome: WelcomeMessage,
} as const;

export type ClientMessage = {[Type in keyof typeof CLIENT_MESSAGES]: Static<(typeof CLIENT_MESSAGES)[Type]>}[keyof typeof CLIENT_MESSAGES];
export type HubMessage = {[Type in keyof typeof HUB_MESSAGES]: Static<(typeof HUB_MESSAGES)[Type]>}[keyof typeof HUB_MESSAGES];

/** The messages about one attempt that a client sends, each acknowledged (`ack`) or refused (`error`) by the hub. */
export type AttemptMessage = Static<typeof DoneMessage> | Static<typeof FailMessage> | Static<typeof LogMessage> | Static<typeof ProgressMessage>;

type DistributiveOmit<Type, Key extends PropertyKey> = Type extends unknown ? Omit<Type, Key> : never;

/** Messages without the envelope every message has (`v`): what a sender builds. Distributes over a union. */
export type MessageBody<Message extends {readonly v: number}> = DistributiveOmit<Message, 'v'>;

/** A call on a remote job (`log`, `progress`, `done`, `fail`) before the client numbers it. */
export type AttemptCall = DistributiveOmit<AttemptMessage, 'attempt' | 'jobId' | 'seq' | 'v'>;

/** The hub's answer to a message about an attempt: `ack`, or `error` with the same job id, attempt and seq. */
export type AttemptReply = {readonly attempt: number; readonly jobId: number; readonly seq: number} & (
  | {readonly code: string; readonly message: string; readonly type: 'error'}
  | {readonly type: 'ack'}
);
