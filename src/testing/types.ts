/**
 * The conformance kit's contracts: the small test-runner interface it registers its tests with (ava's
 * `test` fits it as it is; another runner adapts in a few lines), and the factories a store's author
 * gives it so that the same tests run on any database.
 */
import type {DispatchStore} from '../adapters/types.ts';
import type {Clock} from '../planton/types.ts';
import type {SchedulerStore} from '../scheduler/storeTypes.ts';

/** What an error must satisfy in `throws`/`throwsAsync`: every field given must hold. */
export type ErrorExpectation = {
  /** The error's `code` equals this. */
  readonly code?: string;
  /** The error is this very value. */
  readonly is?: Error;
  /** The error's message equals this string or matches this expression. */
  readonly message?: RegExp | string;
};

/**
 * The assertions the kit's tests use: a subset of ava's `ExecutionContext` (what each does is ava's).
 * Each failed assertion must fail the test; the return values other than `throws`'s and
 * `throwsAsync`'s are not used.
 */
export type KitAssertions = {
  /** Deep structural equality (ava's `deepEqual`: own enumerable properties, array order). */
  readonly deepEqual: (actual: unknown, expected: unknown, message?: string) => unknown;
  /** `actual === false`. */
  readonly false: (actual: unknown, message?: string) => unknown;
  /** `Object.is(actual, expected)`. */
  readonly is: (actual: unknown, expected: unknown, message?: string) => unknown;
  /**
   * `actual` has at least the fields of `selector`, each deeply equal, recursively for nested plain
   * objects and arrays (ava's `like`).
   */
  readonly like: (actual: unknown, selector: Record<string, unknown>, message?: string) => unknown;
  /** Writes a line to the test's output (not an assertion). */
  readonly log: (...values: unknown[]) => void;
  /** `!Object.is(actual, expected)`. */
  readonly not: (actual: unknown, expected: unknown, message?: string) => unknown;
  /** Registers a callback run after the test, passed or failed (in reverse order of registration). */
  readonly teardown: (callback: () => Promise<void> | void) => void;
  /** `fn()` throws a native error that satisfies `expectation`; returns the error. */
  readonly throws: (fn: () => unknown, expectation?: ErrorExpectation, message?: string) => unknown;
  /** `promise` rejects with a native error that satisfies `expectation`; resolves with the error. */
  readonly throwsAsync: (promise: PromiseLike<unknown>, expectation?: ErrorExpectation, message?: string) => Promise<unknown>;
  /** `actual === true`. */
  readonly true: (actual: unknown, message?: string) => unknown;
  /** `actual` is truthy. */
  readonly truthy: (actual: unknown, message?: string) => unknown;
};

/**
 * Registers one test: `title` unique within the run, `implementation` awaited, the test failing when
 * it rejects or an assertion fails. ava's default export fits as it is (`test`). Another runner
 * adapts in a few lines, e.g. with `node:test` and `node:assert`:
 * `(title, implementation) => nodeTest(title, async (context) => implementation(toKitAssertions(context)))`.
 */
export type KitTest = (title: string, implementation: (t: KitAssertions) => Promise<void>) => void;

/**
 * One test's database for the dispatch store tests: a fresh, empty one (a schema, a database file, a
 * table prefix), the store under test on it, and the fixtures the kit needs to give that store work
 * without knowing its dialect. Instructions are strings here (the kit's hostile-input test uses
 * quotes, SQL and unicode; never NUL or lone surrogates, which no database holds).
 */
export type DispatchStoreFixture<Claim> = {
  /**
   * Adds pending work with these instructions (in this order) to the database, e.g. rows of a table
   * of the caller's, for `claim` and `claimEvery` to return. The kit never adds an instruction twice.
   * Completing an execution does not remove its work: it stays pending (claimable again).
   */
  readonly addInstructions: (instructions: readonly string[]) => Promise<void>;
  /**
   * A claim for any task: the pending instructions the store does not report active (running, in
   * the backoff after a failed attempt, or dead), in the order they were added, at most `limit`.
   * What a user's claim does (PostgreSQL: `… WHERE NOT ${isActiveInstruction(sql.fragment`id`)}
   * ORDER BY id LIMIT ${limit}`).
   */
  readonly claim: Claim;
  /**
   * A claim for any task that returns every pending instruction, ignoring `limit` and whether it is
   * active: the kit checks that the store drops the instructions already running (never claimed
   * twice) and refuses a result longer than `limit` (`UNEXPECTED_CLAIM_RESULT`), recording nothing.
   */
  readonly claimEvery: Claim;
  /** Frees what the fixture opened (drops its schema, deletes its file, ends its pools). Called once, after every store was terminated. */
  readonly cleanup: () => Promise<void>;
  /**
   * Opens another store on the same database, as another process would (on a server: with a pool
   * of its own where that matters), on the same clock and configuration as `store`. The kit
   * terminates each store it opened.
   */
  readonly openStore: () => Promise<DispatchStore<string, Claim>>;
  /** The store under test (the kit terminates it). */
  readonly store: DispatchStore<string, Claim>;
};

export type DispatchStoreFixtureConfiguration = {
  /**
   * The clock every store of the fixture must use for the times it writes (heartbeats, ends, the
   * backoff after a failed attempt) and compares (the reaper's limit). A manual clock: the kit
   * moves it.
   */
  readonly clock: Clock;
};

export type DefineDispatchStoreTestsConfiguration<Claim> = {
  /**
   * Called once per test: a fresh, empty database and the store under test on it. The stores must
   * use `clock`, must not reap on their own (the kit calls `reap()`; PostgreSQL: `reaperInterval:
   * 0`) and should heartbeat rarely (the kit calls `heartbeat` itself; e.g. once an hour).
   */
  readonly createStore: (configuration: DispatchStoreFixtureConfiguration) => Promise<DispatchStoreFixture<Claim>>;
  /**
   * Creates a store (or the store and a first call on it) whose database cannot be reached: a
   * closed port, a server that went away. The kit expects the promise to reject with an error whose
   * `code` is `unreachableCode` and whose `cause` is the driver's error. Without it, that test is
   * not registered (an in-process store cannot lose its database).
   */
  readonly createUnreachableStore?: () => Promise<unknown>;
  /**
   * Prefixes every title (`<name>: …`), so that several stores' runs in one process stay apart.
   */
  readonly name: string;
  readonly test: KitTest;
  /**
   * The `code` of the error a store that cannot reach its database rejects with.
   * @default 'STORE_UNREACHABLE'
   */
  readonly unreachableCode?: string;
};

/** One test's scheduler store on a fresh, empty database. */
export type SchedulerStoreFixture = {
  /** Frees what the fixture opened (drops its schema, deletes its file); after every scheduler on it was terminated. */
  readonly cleanup?: () => Promise<void>;
  readonly store: SchedulerStore;
};

export type DefineSchedulerStoreTestsConfiguration = {
  /**
   * Called once per test: a scheduler store on a fresh, empty database. Every scheduler instance of
   * the test shares it (as processes share a database). The store takes its times from the `now`
   * the scheduler passes; the kit steers the scheduler's clock itself (a manual clock).
   */
  readonly createStore: () => Promise<SchedulerStoreFixture>;
  /**
   * Creates a scheduler store whose database cannot be reached; the kit expects the promise to
   * reject with `unreachableCode` and the driver's error as `cause`. Without it, that test is not registered.
   */
  readonly createUnreachableStore?: () => Promise<unknown>;
  /** Prefixes every title (`<name>: …`). */
  readonly name: string;
  readonly test: KitTest;
  /**
   * The `code` of the error a scheduler store that cannot reach its database rejects with.
   * @default 'server_unreachable'
   */
  readonly unreachableCode?: string;
};
