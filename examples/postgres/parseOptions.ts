import {parseExampleArgs} from '../shared/parseExampleArgs.ts';

export type ExampleOptions = {
  /** Print usage and exit. */
  readonly help: boolean;
  /**
   * The PostgreSQL schema holding the example's table and Planton's tables; dropped and recreated
   * at start, so a re-run starts from scratch.
   * @default 'planton_example'
   */
  readonly schema: string;
  /**
   * How many user accounts to seed.
   * @default 50_000
   */
  readonly users: number;
  /**
   * Keep dispatching (polling, and waking on notifications) after the seeded work is done, until
   * SIGINT or SIGTERM.
   * @default false
   */
  readonly watch: boolean;
};

export const USAGE = `Usage: npm start -- [--watch] [--users <count>] [--schema <name>]

Seeds <schema>.user_account and runs two Planton tasks over it, purge_soft_deleted and
send_user_email, until nothing is eligible; then prints a summary and verifies the database.

  --watch           keep running (new rows get dispatched) until Ctrl-C / SIGTERM
  --users <count>   user accounts to seed (default 50000)
  --schema <name>   schema to drop, recreate and use (default planton_example)

Runs on embedded PGlite (in memory) unless DATABASE_URL=postgres://… is set.
`;

/** Parses the command line (without the node and script arguments); throws on unknown or malformed flags. */
export const parseOptions = (argv: readonly string[]): ExampleOptions => {
  const {help, place: schema, users, watch} = parseExampleArgs(argv, {default: 'planton_example', name: 'schema'});

  if (schema === '' || Buffer.byteLength(schema) > 63) {
    throw new TypeError(`Expected \`--schema\` to be a non-empty name of at most 63 bytes, got \`${schema}\`.`);
  }

  return {help, schema, users, watch};
};
