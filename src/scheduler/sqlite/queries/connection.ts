/**
 * How the scheduler's SQLite queries run their statements: each SQL text prepared once per store
 * (statements are reused, as a server's prepared statements are) and every value a parameter.
 */
import type {DatabaseSync, SQLInputValue, StatementSync} from 'node:sqlite';

export type SqliteRow = Readonly<Record<string, unknown>>;

export type SqliteParameters = Readonly<Record<string, SQLInputValue>>;

export type SqliteConnection = {
  /** Every row of the statement. */
  readonly all: (text: string, parameters?: SqliteParameters) => readonly SqliteRow[];
  /** The first row of the statement, or `undefined`. */
  readonly get: (text: string, parameters?: SqliteParameters) => SqliteRow | undefined;
  /** Runs the statement; how many rows it changed. */
  readonly run: (text: string, parameters?: SqliteParameters) => number;
};

/**
 * Statements on `database`, prepared on first use and kept by their text. Named parameters are
 * written `:name` in the SQL and passed without the colon.
 */
export const createSqliteConnection = (database: DatabaseSync): SqliteConnection => {
  const statements = new Map<string, StatementSync>();

  const prepare = (text: string): StatementSync => {
    let statement = statements.get(text);

    if (statement === undefined) {
      statement = database.prepare(text);
      statement.setAllowBareNamedParameters(true);
      statements.set(text, statement);
    }

    return statement;
  };

  return {
    all: (text, parameters = {}) => prepare(text).all(parameters) as readonly SqliteRow[],
    get: (text, parameters = {}) => prepare(text).get(parameters) as SqliteRow | undefined,
    run: (text, parameters = {}) => Number(prepare(text).run(parameters).changes),
  };
};
