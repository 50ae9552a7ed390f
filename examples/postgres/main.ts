/**
 * `npm start`: Planton on PostgreSQL. Seeds 50,000 user accounts and runs two maintenance tasks
 * over them through the PostgreSQL store: purge_soft_deleted (hard-deletes accounts soft-deleted
 * over 14 days ago) and send_user_email (sends the emails that are due). Ends with a summary and a
 * check of the database; `--watch` keeps it dispatching until Ctrl-C.
 *
 * Runs on an embedded, in-memory PGlite; with DATABASE_URL=postgres://… on that server instead
 * (in the schema `planton_example`, dropped and recreated at start).
 */
import {runMain} from '../shared/runMain.ts';
import {connectDatabase} from './connectDatabase.ts';
import {parseOptions, USAGE} from './parseOptions.ts';
import {runExample} from './runExample.ts';

await runMain({
  parseOptions,
  run: async (options, context) => {
    const database = await connectDatabase({databaseUrl: process.env.DATABASE_URL});

    try {
      return await runExample({database, options, ...context});
    } finally {
      await database.end();
    }
  },
  usage: USAGE,
});
