import type {DispatchStore} from '../../src/adapters/types.ts';
import type {TaskConfiguration} from '../../src/planton/types.ts';
import type {SchedulerStore} from '../../src/scheduler/index.ts';
import type {QueryCounter} from '../scheduler/database.ts';

/** The stores the benchmarks compare. */
export type StoreName = 'mariadb' | 'pglite' | 'postgres' | 'sqlite';

/**
 * A dispatch store with its claim bound, ready to measure: what the scenarios need and nothing
 * that depends on the backend's claim type, so one scenario runs on every store.
 */
export type DispatchTarget = {
  /** The store's schedule for the user table `item`: marks the rows it claims, so no row is claimed twice. */
  readonly createSchedule: () => TaskConfiguration<number>['schedule'];
  /** Executions RUNNING and COMPLETED, read from the store's table. */
  readonly countExecutions: () => Promise<{readonly completed: number; readonly running: number}>;
  /** Inserts item `id` through another connection (or, for PGlite, the one session), resolving once committed. */
  readonly insert: (id: number) => Promise<void>;
  /** What the figures were measured with. */
  readonly settings: string;
  readonly store: Pick<DispatchStore<number, unknown>, 'completeExecution' | 'completeExecutions' | 'getActiveTaskInstructions' | 'registerTask' | 'subscribe'>;
};

/** A scheduler store and a way to fill its `scheduled_job` table with due jobs, as its materialisation would. */
export type SchedulerTarget = {
  /** Counts the statements sent, where the driver allows (slonik); else null. */
  readonly counter: QueryCounter | null;
  /** Inserts `count` SCHEDULED jobs due at `due` and before, spread over `taskNames`. */
  readonly insertDueJobs: (configuration: {readonly count: number; readonly due: number; readonly taskNames: readonly string[]}) => Promise<void>;
  readonly settings: string;
  readonly store: SchedulerStore;
};

/**
 * Opens a store on a fresh schema, database or file called `name`; `close` terminates what it
 * opened and drops the schema/database/file. `items` rows are in the user table before the
 * measurement starts. `removeLeftovers(name)` drops what a killed measurement left behind.
 */
export type StoreBackend = {
  readonly openDispatch: (configuration: {readonly items: number; readonly name: string; readonly wakeUps: boolean}) => Promise<DispatchTarget & {readonly close: () => Promise<void>}>;
  readonly openScheduler: (configuration: {readonly name: string}) => Promise<SchedulerTarget & {readonly close: () => Promise<void>}>;
  readonly removeLeftovers: (name: string) => Promise<void>;
};
