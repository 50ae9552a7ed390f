import {serializeError} from 'serialize-error';
import type {ExecutionSummary, SummarizeExecutions} from '../adapters/types.ts';
import {PlantonError} from '../planton/errors.ts';
import {Logger} from '../planton/Logger.ts';
import type {Clock} from '../planton/types.ts';
import {StoreTimeoutError} from '../scheduler/errors.ts';
import {DispatchSummaryFailedError, InvalidServerConfigurationError} from './errors.ts';

const log = Logger.child({
  namespace: 'createDispatchSummaryReader',
});

/** What `GET /v1/dispatch` counts back over. */
const WINDOW = 86_400_000;

/** How many of the reaper's latest terminations each store lists. */
const RECENT_LIMIT = 10;

/** One dispatch store the server reports on (`createServer`'s `dispatchStores`). */
export type DispatchStoreEntry = {
  /** Shown on the dashboard; unique among the server's dispatch stores. */
  readonly name: string;
  /** A dispatch store (`createPostgresStore`, `createMemoryStore`, …) or any object with its `summarizeExecutions`; without it, the store is reported as not supported. */
  readonly store: {readonly summarizeExecutions?: SummarizeExecutions};
  /**
   * Milliseconds a summary may take before the store is reported with `STORE_TIMEOUT`.
   * @default 5000
   */
  readonly timeout?: number;
};

/** One store's answer: its summary, or why there is none. */
export type DispatchStoreReport = {
  readonly error: {readonly code: string; readonly message: string} | null;
  readonly name: string;
  readonly status: 'FAILED' | 'OK' | 'UNSUPPORTED';
  readonly summary: ExecutionSummary | null;
};

export type DispatchSummaryReader = {
  /** Every store's report, in the configured order; never rejects. */
  readonly read: () => Promise<{readonly since: Date; readonly stores: readonly DispatchStoreReport[]}>;
};

/** `dispatchStores` checked: an array of `{name, store, timeout?}` with unique names. */
const validateEntries = (entries: unknown): readonly DispatchStoreEntry[] => {
  if (!Array.isArray(entries)) {
    throw new InvalidServerConfigurationError('dispatchStores', 'an array of `{name, store}`', entries);
  }

  const names = new Set<string>();

  for (const [index, entry] of (entries as unknown[]).entries()) {
    const {name, store, timeout = 5000} = (entry ?? {}) as Partial<DispatchStoreEntry>;

    if (typeof name !== 'string' || name === '' || names.has(name)) {
      throw new InvalidServerConfigurationError(`dispatchStores.${index}.name`, 'a non-empty string, unique among the dispatch stores', name);
    }

    if (typeof store !== 'object' || store === null || (store.summarizeExecutions !== undefined && typeof store.summarizeExecutions !== 'function')) {
      throw new InvalidServerConfigurationError(`dispatchStores.${index}.store`, 'a dispatch store', store);
    }

    if (!Number.isSafeInteger(timeout) || timeout < 1) {
      throw new InvalidServerConfigurationError(`dispatchStores.${index}.timeout`, 'an integer >= 1', timeout);
    }

    names.add(name);
  }

  return entries as readonly DispatchStoreEntry[];
};

/** Resolves with `promise`, or rejects with STORE_TIMEOUT after `timeout` ms (the promise goes on alone). */
const within = async <Value>(promise: Promise<Value>, timeout: number): Promise<Value> => {
  let timer: NodeJS.Timeout | undefined;

  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new StoreTimeoutError('summarizeExecutions', timeout));
      }, timeout);
      timer.unref();
    })]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Reads the dispatch stores' summaries of the last 24 h (by `clock`), each bounded by its
 * `timeout`. A store whose read is still running (it timed out before) is not asked again until it
 * settles: callers join that read, so a hung database does not pile up reads.
 */
export const createDispatchSummaryReader = ({clock, entries}: {readonly clock: Clock; readonly entries: unknown}): DispatchSummaryReader => {
  const stores = validateEntries(entries);
  const inFlight = new Map<string, Promise<ExecutionSummary>>();

  const summarize = (entry: DispatchStoreEntry, summarizeExecutions: SummarizeExecutions, since: Date): Promise<ExecutionSummary> => {
    let read = inFlight.get(entry.name);

    if (read === undefined) {
      read = (async () => await summarizeExecutions({recentLimit: RECENT_LIMIT, since}))();
      inFlight.set(entry.name, read);

      const settled = read;

      void settled.catch(() => undefined).finally(() => {
        if (inFlight.get(entry.name) === settled) {
          inFlight.delete(entry.name);
        }
      });
    }

    return read;
  };

  const report = async (entry: DispatchStoreEntry, since: Date): Promise<DispatchStoreReport> => {
    const {summarizeExecutions} = entry.store;

    if (summarizeExecutions === undefined) {
      return {error: null, name: entry.name, status: 'UNSUPPORTED', summary: null};
    }

    try {
      return {error: null, name: entry.name, status: 'OK', summary: await within(summarize(entry, summarizeExecutions.bind(entry.store), since), entry.timeout ?? 5000)};
    } catch (error) {
      log.error({error: serializeError(error), store: entry.name}, 'reading a dispatch store\'s summary failed');

      const coded = error instanceof PlantonError ? error : new DispatchSummaryFailedError(entry.name, error);

      return {error: {code: coded.code, message: coded.message}, name: entry.name, status: 'FAILED', summary: null};
    }
  };

  return {
    read: async () => {
      const since = new Date(clock.now() - WINDOW);

      return {since, stores: await Promise.all(stores.map(async (entry) => await report(entry, since)))};
    },
  };
};
