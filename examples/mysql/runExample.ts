import {setTimeout as delay} from 'node:timers/promises';
import {createMysqlStore} from '../../src/adapters/mysql/createMysqlStore.ts';
import {createDispatcher} from '../postgres/createDispatcher.ts';
import {createFakeEmailSender} from '../postgres/createFakeEmailSender.ts';
import {createProgressReporter} from '../postgres/createProgressReporter.ts';
import type {RunSummary} from '../postgres/formatSummary.ts';
import type {ExampleOptions} from '../postgres/parseOptions.ts';
import type {MysqlDatabase} from './connectDatabase.ts';
import {countRemainingWork} from './countRemainingWork.ts';
import {createExampleSchema} from './createExampleSchema.ts';
import {createPurgeSoftDeletedTask} from './createPurgeSoftDeletedTask.ts';
import {createSendUserEmailTask} from './createSendUserEmailTask.ts';
import {seedUserAccounts} from './seedUserAccounts.ts';
import {verifyDatabase} from './verifyDatabase.ts';

/** How often the database is asked what is left (progress, and whether the run is over). */
const PROGRESS_INTERVAL = 100;
/** How often the tasks are woken to look for new rows: MySQL has no notifications. */
const POLL_INTERVAL = 250;
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

/**
 * The whole example on MySQL/MariaDB: database, seed, the two tasks until nothing is eligible (or,
 * with --watch, until `signal` aborts), then the database checks. `options.schema` names the
 * database, dropped and created again. New rows are found by polling (POLL_INTERVAL).
 */
export const runExample = async ({database: connection, options, signal, stderr, stdout}: {
  readonly database: MysqlDatabase;
  readonly options: ExampleOptions;
  readonly signal: AbortSignal;
  readonly stderr: NodeJS.WriteStream;
  readonly stdout: NodeJS.WriteStream;
}): Promise<RunSummary> => {
  const {pool} = connection;
  const database = options.schema;
  const seedStartedAt = performance.now();

  stdout.write(`seeding ${formatCount(options.users)} accounts into ${database}.user_account on ${connection.label}…\n`);
  await createExampleSchema(pool, database);

  const store = await createMysqlStore<number>({database, pollInterval: POLL_INTERVAL, pool});
  const seed = await seedUserAccounts(pool, {database, users: options.users});
  const seedSeconds = secondsSince(seedStartedAt);
  const purgeTask = createPurgeSoftDeletedTask({database, pool});
  const emailTask = createSendUserEmailTask({database, pool, sender: createFakeEmailSender()});
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
      // Done is read before the count: a batch committing in between is then counted in neither.
      const done = dispatcher.getDoneCounts();
      const remaining = await countRemainingWork(pool, database);
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

      await delay(PROGRESS_INTERVAL, undefined, {signal}).catch(() => undefined);
    }
  } finally {
    await dispatcher.terminate();
    progress.stop();
  }

  const done = dispatcher.getDoneCounts();

  return {
    checks: state === 'COMPLETED' ? await verifyDatabase(pool, {database, seed, taskNames: {email: emailTask.name, purge: purgeTask.name}}) : [],
    database: 'mysql',
    databaseLabel: connection.label,
    emailsSent: done[emailTask.name] ?? 0,
    errors,
    purged: done[purgeTask.name] ?? 0,
    seconds: state === 'COMPLETED' ? seconds : secondsSince(startedAt),
    seedSeconds,
    state,
    users: seed.users,
  };
};
