import type {DatabasePool} from 'slonik';
import type {Cleanup} from './createCleanup.ts';
import type {ServerProcess} from './servers/types.ts';

export type ServerName = 'nats' | 'postgres' | 'rabbitmq' | 'redis';

export type Broker = 'bullmq' | 'nats' | 'rabbitmq';

export type Fault =
  | {readonly target: 'dispatcher' | 'scheduler' | 'worker'; readonly type: 'kill'}
  | {readonly server: ServerName; readonly type: 'restart'}
  | {readonly type: 'cut'};

export type Scenario = {
  readonly name: string;
  /** Instructions (createPlanton + store + processor or sink) or jobs (the scheduler). */
  readonly kind: 'instructions' | 'jobs';
  /** In the short run (`--short`, `.ci/run`). */
  readonly short: boolean;
  /** Instructions: the sink's broker; without one, createProcessor runs them in the dispatchers. */
  readonly broker?: Broker;
  /** Dispatchers (instructions) or scheduler instances (jobs). */
  readonly processes: number;
  /** Sink workers (with a broker). */
  readonly workers?: number;
  readonly fault: Fault;
};

/** A duplicated run the project documents (at least once), listed with its reason. */
export type AtLeastOnceCase = {
  readonly id: number;
  readonly reason: string;
  readonly runs: number;
};

export type ScenarioResult = {
  readonly scenario: string;
  readonly kind: 'instructions' | 'jobs';
  readonly fault: string;
  readonly produced: number;
  readonly completed: number;
  readonly lost: number;
  /** Run twice (or more) outside the documented at-least-once cases. */
  readonly twice: number;
  readonly atLeastOnce: number;
  readonly atLeastOnceCases: readonly AtLeastOnceCase[];
  /** Duplicated runs outside the documented cases, listed the same way. */
  readonly twiceCases: readonly AtLeastOnceCase[];
  /** Executions the reaper terminated (instructions). */
  readonly reaped: number | null;
  /**
   * From the fault's end (the kill, the server back, the cut) until every instruction created (job
   * due) before the fault began is done: the work the fault caught in flight. Null when some never was.
   */
  readonly recoveryMs: number | null;
  /** The same for everything created (due) until the fault's end: the backlog the outage piled up, worked off. */
  readonly catchUpMs: number | null;
  /** How long the restarted server was away. */
  readonly downMs: number | null;
  readonly errors: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
  readonly misses: readonly string[];
  readonly passed: boolean;
};

export type Timing = {
  /** How long work is produced. */
  readonly loadMs: number;
  /** When the fault happens, after the load started. */
  readonly faultAtMs: number;
  /** How long, after the load, the scenario waits for the work to be done before it counts what is missing as lost. */
  readonly drainMs: number;
  /** Items inserted per second (instructions). */
  readonly rate: number;
  /** Scheduled tasks, one job a second each (jobs). */
  readonly tasks: number;
  /** The task's maximum_execution_duration: how long an execution may go without a heartbeat before the reaper ends it. */
  readonly reaperTimeoutMs: number;
  /** The scheduled tasks' `timeout`. */
  readonly jobTimeoutMs: number;
  /** The recovery target. */
  readonly recoveryTargetMs: number;
};

export type ChaosContext = {
  readonly cleanup: Cleanup;
  /** The server, started at its first use and stopped at the end of the run. */
  readonly getServer: (name: ServerName) => Promise<ServerProcess>;
  /** A pool on the chaos PostgreSQL server. */
  readonly getPool: () => Promise<DatabasePool>;
  readonly timing: Timing;
};
