import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {createSqliteStore} from '../../src/adapters/sqlite/createSqliteStore.ts';
import {createDispatcher} from '../postgres/createDispatcher.ts';
import {createFakeEmailSender} from '../postgres/createFakeEmailSender.ts';
import {createProgressReporter} from '../postgres/createProgressReporter.ts';
import type {RunSummary} from '../postgres/formatSummary.ts';
import {countRemainingWork} from './countRemainingWork.ts';
import {createExampleDatabase} from './createExampleDatabase.ts';
import {createPurgeSoftDeletedTask} from './createPurgeSoftDeletedTask.ts';
import {createSendUserEmailTask} from './createSendUserEmailTask.ts';
import type {SqliteExampleOptions} from './parseOptions.ts';
import {seedUserAccounts} from './seedUserAccounts.ts';
import {verifyDatabase} from './verifyDatabase.ts';

/** How often the file is asked what is left (progress, and whether the run is over). */
const POLL_INTERVAL = 100;
/** Errors beyond this many are counted, not printed. */
const MAXIMUM_PRINTED_ERRORS = 10;

const formatCount = (value: number) => value.toLocaleString('en-US');

const secondsSince = (startedAt: number) => (performance.now() - startedAt) / 1_000;

/**
 * The PostgreSQL example (examples/postgres/runExample.ts) on a SQLite file: the table, the seed,
 * the two tasks through createSqliteStore (the dispatcher, progress, email sender and summary are
 * the PostgreSQL example's, which know no database) until nothing is eligible (or, with --watch,
 * until `signal` aborts), then the database checks.
 */
export const runExample = async ({options, signal, stderr, stdout}: {
  readonly options: SqliteExampleOptions;
  readonly signal: AbortSignal;
  readonly stderr: NodeJS.WriteStream;
  readonly stdout: NodeJS.WriteStream;
}): Promise<RunSummary> => {
  const label = `SQLite file ${path.resolve(options.file)}`;
  const seedStartedAt = performance.now();

  stdout.write(`seeding ${formatCount(options.users)} accounts into user_account on ${label}…\n`);

  // The example's own connection: its table, the handlers' statements, the progress counts.
  const database = createExampleDatabase(options.file);

  try {
    const store = await createSqliteStore<number>({filename: options.file});
    const seed = seedUserAccounts(database, {users: options.users});
    const seedSeconds = secondsSince(seedStartedAt);
    const purgeTask = createPurgeSoftDeletedTask({database});
    const emailTask = createSendUserEmailTask({database, sender: createFakeEmailSender()});
    const tasks = [purgeTask, emailTask];

    stdout.write(`dispatching: ${purgeTask.name} ${formatCount(seed.purgeEligible)} accounts, ${emailTask.name} ${formatCount(seed.emailsDue)} emails${options.watch ? ' (--watch: Ctrl-C to stop)' : ''}\n`);

    const progress = createProgressReporter({isTTY: stdout.isTTY === true, stream: stdout, taskNames: tasks.map((task) => task.name)});
    let errors = 0;
    const onError = (error: unknown) => {
      errors++;

      if (errors <= MAXIMUM_PRINTED_ERRORS) {
        const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
        const line = `error: ${code === '' ? '' : `${code}: `}${error instanceof Error ? error.message : String(error)}`;

        if (stdout.isTTY) {
          progress.log(line);
        } else {
          stderr.write(`${line}\n`);
        }
      }
    };

    const startedAt = performance.now();
    // Rows inserted by another process wake the tasks within the store's pollInterval (250 ms).
    const dispatcher = await createDispatcher({onError, store, tasks});
    let state: RunSummary['state'] = 'INTERRUPTED';
    let seconds = 0;
    let purgeTotal = seed.purgeEligible;
    let emailTotal = seed.emailsDue;

    try {
      while (!signal.aborted) {
        const done = dispatcher.getDoneCounts();
        const remaining = countRemainingWork(database);
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
      // Terminates the store too, which closes its connection to the file.
      await dispatcher.terminate();
      progress.stop();
    }

    const done = dispatcher.getDoneCounts();

    return {
      checks: state === 'COMPLETED' ? verifyDatabase(database, {seed, tablePrefix: store.tablePrefix, taskNames: {email: emailTask.name, purge: purgeTask.name}}) : [],
      database: 'sqlite',
      databaseLabel: label,
      emailsSent: done[emailTask.name] ?? 0,
      errors,
      purged: done[purgeTask.name] ?? 0,
      seconds: state === 'COMPLETED' ? seconds : secondsSince(startedAt),
      seedSeconds,
      state,
      users: seed.users,
    };
  } finally {
    database.close();
  }
};
