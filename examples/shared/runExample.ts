import {setTimeout as delay} from 'node:timers/promises';
import type {ProcessorStore} from '../../src/adapters/processor/types.ts';
import type {Store} from '../../src/adapters/types.ts';
import {createDispatcher} from './createDispatcher.ts';
import {createProgressReporter} from './createProgressReporter.ts';
import type {RunSummary} from './formatSummary.ts';
import type {Check, ExampleTask, RemainingWork, SeedCounts} from './types.ts';

/** How often the database is asked what is left (progress, and whether the run is over). */
const POLL_INTERVAL = 100;
/** Errors beyond this many are counted, not printed. */
const MAXIMUM_PRINTED_ERRORS = 10;

const formatError = (error: unknown): string => {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : error.name;

    return `${code}: ${error.message}`;
  }

  return String(error);
};

const formatCount = (value: number) => value.toLocaleString('en-US');

const secondsSince = (startedAt: number) => (performance.now() - startedAt) / 1_000;

/** The seeded database of one example, as its `prepare` leaves it. */
export type PreparedExample<Claim> = {
  /** Closes what `prepare` opened besides the store (which the dispatcher terminates). */
  readonly close?: () => void;
  /** Rows each task still has to do, in the database's SQL. */
  readonly countRemainingWork: () => Promise<RemainingWork> | RemainingWork;
  readonly emailTask: ExampleTask<Claim>;
  readonly purgeTask: ExampleTask<Claim>;
  readonly seed: SeedCounts;
  readonly store: Store<number, Claim> & ProcessorStore<number>;
  /** The database checks after a completed run, in the database's SQL (examples/shared/listChecks.ts). */
  readonly verifyDatabase: (input: {readonly seed: SeedCounts; readonly taskNames: {readonly email: string; readonly purge: string}}) => Promise<readonly Check[]> | readonly Check[];
};

/** What an example knows of its database; the rest of the run is the same on every database. */
export type ExampleBackend<Claim> = {
  /** Where the data lives, for the summary ("PGlite (in memory)", "MySQL at host:port", …). */
  readonly label: string;
  readonly name: RunSummary['database'];
  /**
   * Creates the example's table and Planton's store, seeds `users` accounts (timed as the seed) and
   * creates the two tasks (with what they need to be woken, e.g. PostgreSQL's notify triggers).
   */
  readonly prepare: (input: {readonly users: number}) => Promise<PreparedExample<Claim>>;
  /** The table the accounts go into, for the first line (`planton_example.user_account`). */
  readonly table: string;
};

/**
 * The whole example on one database: seed, the two tasks until nothing is eligible (or, with
 * --watch, until `signal` aborts), then the database checks. The dispatcher, progress and summary
 * know no database; `backend` brings the SQL.
 */
export const runExample = async <Claim>({backend, options, signal, stderr, stdout}: {
  readonly backend: ExampleBackend<Claim>;
  readonly options: {readonly users: number; readonly watch: boolean};
  readonly signal: AbortSignal;
  readonly stderr: NodeJS.WriteStream;
  readonly stdout: NodeJS.WriteStream;
}): Promise<RunSummary> => {
  const seedStartedAt = performance.now();

  stdout.write(`seeding ${formatCount(options.users)} accounts into ${backend.table} on ${backend.label}…\n`);

  const prepared = await backend.prepare({users: options.users});

  try {
    const {emailTask, purgeTask, seed, store} = prepared;
    const seedSeconds = secondsSince(seedStartedAt);
    const tasks = [purgeTask, emailTask];

    stdout.write(`dispatching: ${purgeTask.name} ${formatCount(seed.purgeEligible)} accounts, ${emailTask.name} ${formatCount(seed.emailsDue)} emails${options.watch ? ' (--watch: Ctrl-C to stop)' : ''}\n`);

    const progress = createProgressReporter({isTTY: stdout.isTTY === true, stream: stdout, taskNames: tasks.map((task) => task.name)});
    let errors = 0;
    const onError = (error: unknown) => {
      errors++;

      if (errors <= MAXIMUM_PRINTED_ERRORS) {
        const line = `error: ${formatError(error)}`;

        if (stdout.isTTY) {
          progress.log(line);
        } else {
          stderr.write(`${line}\n`);
        }
      }
    };

    const startedAt = performance.now();
    const dispatcher = await createDispatcher({onError, store, tasks});
    let state: RunSummary['state'] = 'INTERRUPTED';
    let seconds = 0;
    let purgeTotal = seed.purgeEligible;
    let emailTotal = seed.emailsDue;

    try {
      while (!signal.aborted) {
        // Done is read before the count: a batch committing in between is then counted in neither
        // (the total dips for a moment) rather than in both; the totals below never go down.
        const done = dispatcher.getDoneCounts();
        const remaining = await prepared.countRemainingWork();
        const purged = done[purgeTask.name] ?? 0;
        const sent = done[emailTask.name] ?? 0;

        purgeTotal = Math.max(purgeTotal, purged + remaining.purgeEligible);
        emailTotal = Math.max(emailTotal, sent + remaining.emailsDue);
        seconds = secondsSince(startedAt);
        progress.update([
          {done: purged, name: purgeTask.name, total: purgeTotal},
          {done: sent, name: emailTask.name, total: emailTotal},
        ], seconds);

        if (!options.watch && remaining.purgeEligible === 0 && remaining.emailsDue === 0 && dispatcher.getPendingCount() === 0) {
          state = 'COMPLETED';
          break;
        }

        await delay(POLL_INTERVAL, undefined, {signal}).catch(() => undefined);
      }
    } finally {
      // Terminates the store too.
      await dispatcher.terminate();
      progress.stop();
    }

    const done = dispatcher.getDoneCounts();

    return {
      checks: state === 'COMPLETED' ? await prepared.verifyDatabase({seed, taskNames: {email: emailTask.name, purge: purgeTask.name}}) : [],
      database: backend.name,
      databaseLabel: backend.label,
      emailsSent: done[emailTask.name] ?? 0,
      errors,
      purged: done[purgeTask.name] ?? 0,
      seconds: state === 'COMPLETED' ? seconds : secondsSince(startedAt),
      seedSeconds,
      state,
      users: seed.users,
    };
  } finally {
    prepared.close?.();
  }
};
