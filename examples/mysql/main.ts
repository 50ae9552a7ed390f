/**
 * `npm run example:mysql`: the example (examples/shared/runExample.ts) on MySQL 8 / MariaDB 10.6+, with
 * DATABASE_URL=mysql://…: seeds 50,000 user accounts into the database `planton_example` (dropped
 * and created again at start) and runs purge_soft_deleted and send_user_email over them through
 * the MySQL store, then prints a summary and checks the database; `--watch` keeps it dispatching
 * until Ctrl-C.
 */
import {validateMysqlDatabase} from '../../src/adapters/mysql/mysqlIdentifiers.ts';
import {parseOptions} from '../postgres/parseOptions.ts';
import {runMain} from '../shared/runMain.ts';
import {checkDatabaseUrl, connectDatabase} from './connectDatabase.ts';
import {runExample} from './runExample.ts';

const USAGE = `Usage: DATABASE_URL=mysql://user@host:3306/database npm run example:mysql -- [--watch] [--users <count>] [--schema <name>]

Seeds <name>.user_account and runs two Planton tasks over it, purge_soft_deleted and
send_user_email, until nothing is eligible; then prints a summary and verifies the database.

  --watch           keep running (new rows get dispatched) until Ctrl-C / SIGTERM
  --users <count>   user accounts to seed (default 50000)
  --schema <name>   database to drop, recreate and use (default planton_example)
`;

await runMain({
  parseOptions: (argv) => {
    const options = parseOptions(argv);

    validateMysqlDatabase(options.schema);

    if (!options.help) {
      checkDatabaseUrl(process.env.DATABASE_URL);
    }

    return options;
  },
  run: async (options, context) => {
    const database = connectDatabase({databaseUrl: process.env.DATABASE_URL});

    try {
      return await runExample({database, options, ...context});
    } finally {
      await database.end();
    }
  },
  usage: USAGE,
});
