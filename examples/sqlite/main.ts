/**
 * `npm run example:sqlite`: the PostgreSQL example (`npm start`) on a SQLite file. Seeds 50,000 user
 * accounts and runs two maintenance tasks over them through the SQLite store: purge_soft_deleted
 * (hard-deletes accounts soft-deleted over 14 days ago) and send_user_email (sends the emails that
 * are due). Ends with a summary and a check of the database; `--watch` keeps it dispatching until
 * Ctrl-C. The file (`--file`, else PLANTON_SQLITE_FILE, else .planton/example.sqlite) is deleted
 * and created again at start.
 */
import {formatSummary, isVerified} from '../postgres/formatSummary.ts';
import {parseOptions, type SqliteExampleOptions, USAGE} from './parseOptions.ts';
import {runExample} from './runExample.ts';

const main = async (): Promise<number> => {
  let options: SqliteExampleOptions;

  try {
    options = parseOptions(process.argv.slice(2));
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

  try {
    const summary = await runExample({options, signal: controller.signal, stderr: process.stderr, stdout: process.stdout});

    for (const line of formatSummary(summary)) {
      process.stdout.write(`${line}\n`);
    }

    return summary.state === 'COMPLETED' && !isVerified(summary.checks) ? 1 : 0;
  } finally {
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
