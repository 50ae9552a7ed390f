/**
 * `npm run example:sqlite`: the example of `npm start` (examples/shared/) on a SQLite file. Seeds 50,000 user
 * accounts and runs two maintenance tasks over them through the SQLite store: purge_soft_deleted
 * (hard-deletes accounts soft-deleted over 14 days ago) and send_user_email (sends the emails that
 * are due). Ends with a summary and a check of the database; `--watch` keeps it dispatching until
 * Ctrl-C. The file (`--file`, else PLANTON_SQLITE_FILE, else .planton/example.sqlite) is deleted
 * and created again at start.
 */
import {runMain} from '../shared/runMain.ts';
import {parseOptions, USAGE} from './parseOptions.ts';
import {runExample} from './runExample.ts';

await runMain({
  parseOptions,
  run: async (options, context) => await runExample({options, ...context}),
  usage: USAGE,
});
