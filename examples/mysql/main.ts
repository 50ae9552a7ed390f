/**
 * `npm run example:mysql`: the example of examples/postgres on MySQL 8 / MariaDB 10.6+, with
 * DATABASE_URL=mysql://…: seeds 50,000 user accounts into the database `planton_example` (dropped
 * and created again at start) and runs purge_soft_deleted and send_user_email over them through
 * the MySQL store, then prints a summary and checks the database; `--watch` keeps it dispatching
 * until Ctrl-C.
 */
import {validateMysqlDatabase} from '../../src/adapters/mysql/mysqlIdentifiers.ts';
import {formatSummary, isVerified} from '../postgres/formatSummary.ts';
import {type ExampleOptions, parseOptions} from '../postgres/parseOptions.ts';
import {connectDatabase} from './connectDatabase.ts';
import {runExample} from './runExample.ts';

const USAGE = `Usage: DATABASE_URL=mysql://user@host:3306/database npm run example:mysql -- [--watch] [--users <count>] [--schema <name>]

Seeds <name>.user_account and runs two Planton tasks over it, purge_soft_deleted and
send_user_email, until nothing is eligible; then prints a summary and verifies the database.

  --watch           keep running (new rows get dispatched) until Ctrl-C / SIGTERM
  --users <count>   user accounts to seed (default 50000)
  --schema <name>   database to drop, recreate and use (default planton_example)
`;

const main = async (): Promise<number> => {
  let options: ExampleOptions;

  try {
    options = parseOptions(process.argv.slice(2));
    validateMysqlDatabase(options.schema);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);

    return 2;
  }

  if (options.help) {
    process.stdout.write(USAGE);

    return 0;
  }

  const controller = new AbortController();
  const stop = (signalName: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      process.stderr.write(`\n${signalName}: shutting down…\n`);
      controller.abort();
    }
  };

  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  let database: ReturnType<typeof connectDatabase>;

  try {
    database = connectDatabase({databaseUrl: process.env.DATABASE_URL});
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);

    return 2;
  }

  try {
    const summary = await runExample({database, options, signal: controller.signal, stderr: process.stderr, stdout: process.stdout});

    for (const line of formatSummary(summary)) {
      process.stdout.write(`${line}\n`);
    }

    return summary.state === 'COMPLETED' && !isVerified(summary.checks) ? 1 : 0;
  } finally {
    await database.end();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
};

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
}
