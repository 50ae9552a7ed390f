import {parseExampleArgs} from '../shared/parseExampleArgs.ts';

export type SqliteExampleOptions = {
  /**
   * The database file holding the example's table and Planton's tables; deleted and created again
   * at start, so a re-run starts from scratch.
   * @default PLANTON_SQLITE_FILE, else '.planton/example.sqlite'
   */
  readonly file: string;
  /** Print usage and exit. */
  readonly help: boolean;
  /**
   * How many user accounts to seed.
   * @default 50_000
   */
  readonly users: number;
  /**
   * Keep dispatching after the seeded work is done, until SIGINT or SIGTERM.
   * @default false
   */
  readonly watch: boolean;
};

export const USAGE = `Usage: npm run example:sqlite -- [--watch] [--users <count>] [--file <path>]

Seeds user_account in a SQLite file and runs two Planton tasks over it, purge_soft_deleted and
send_user_email, until nothing is eligible; then prints a summary and verifies the database.

  --watch           keep running (new rows get dispatched) until Ctrl-C / SIGTERM
  --users <count>   user accounts to seed (default 50000)
  --file <path>     database file to delete, recreate and use
                    (default PLANTON_SQLITE_FILE, else .planton/example.sqlite)
`;

/** Parses the command line (without the node and script arguments); throws on unknown or malformed flags. */
export const parseOptions = (argv: readonly string[], environment: NodeJS.ProcessEnv = process.env): SqliteExampleOptions => {
  const {help, place: file, users, watch} = parseExampleArgs(argv, {default: environment.PLANTON_SQLITE_FILE ?? '.planton/example.sqlite', name: 'file'});

  if (file === '' || file === ':memory:') {
    throw new TypeError(`Expected \`--file\` to be a file path, got \`${file}\`.`);
  }

  return {file, help, users, watch};
};
