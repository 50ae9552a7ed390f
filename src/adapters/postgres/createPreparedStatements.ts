import {createHash} from 'node:crypto';
import type {CommonQueryMethods, DatabasePool, QuerySqlToken} from 'slonik';
import {getSqlState} from './getSqlState.ts';

/** What the store's queries run on: the pool, a connection of the user's, or the pool through prepared statements. */
export type QueryMethods = Pick<CommonQueryMethods, 'any' | 'anyFirst' | 'maybeOneFirst' | 'query'>;

/**
 * SQLSTATEs that say the session does not hold the statements the driver believes it prepared:
 * 26000, the pool reset the connection with DISCARD ALL (slonik's default `resetConnection`);
 * 42P05, a pooler shares server sessions between clients (PgBouncer in transaction mode). Both
 * fail before the statement runs, so running it again unnamed cannot apply it twice.
 */
const LOST_STATEMENT_STATES = new Set(['26000', '42P05']);

/**
 * node-postgres refuses, before sending anything, a name it parsed with another text: a slonik
 * `transformQuery` interceptor that changes the text on each call (a trace comment) does that.
 * Naming cannot work under such an interceptor; the statement runs unnamed instead.
 */
const isRenamedText = (error: unknown): boolean => {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current.message.includes('Prepared statements must be unique')) {
      return true;
    }
  }

  return false;
};

/** Distinct statement texts named per store; later texts (claim queries whose text varies) run unnamed. */
const MAXIMUM_NAMES = 64;

/**
 * The pool, with every statement run as a named prepared statement: PostgreSQL then parses and
 * plans it once per connection rather than on every call (here about a quarter of a 2 ms claim).
 * The name is a hash of the text, so a text that changes gets a name of its own (pg refuses one name
 * for two texts). Only for statements that run on their own (autocommit): a failure inside a
 * transaction would abort it.
 *
 * Once the database says a connection lost its prepared statements (the pool resets connections,
 * or a pooler shares them), or node-postgres refuses a name because an interceptor changed the
 * statement's text, naming stops for good and the statement runs again unnamed: one failed
 * round trip, once. `enabled: false` never names.
 */
export const createPreparedStatements = (pool: DatabasePool, {enabled}: {readonly enabled: boolean}): QueryMethods => {
  const names = new Map<string, string>();
  let naming = enabled;

  const nameOf = (token: QuerySqlToken): string | undefined => {
    let name = names.get(token.sql);

    if (name === undefined && names.size < MAXIMUM_NAMES) {
      name = `planton_${createHash('sha1').update(token.sql).digest('hex').slice(0, 32)}`;
      names.set(token.sql, name);
    }

    return name;
  };

  const run = async <Result>(token: QuerySqlToken, execute: (query: QuerySqlToken) => Promise<Result>): Promise<Result> => {
    const name = naming ? nameOf(token) : undefined;

    if (name === undefined) {
      return await execute(token);
    }

    try {
      return await execute({...token, name});
    } catch (error) {
      if (!LOST_STATEMENT_STATES.has(getSqlState(error) ?? '') && !isRenamedText(error)) {
        throw error;
      }

      naming = false;

      return await execute(token);
    }
  };

  const any: QueryMethods['any'] = async (token) => await run(token, async (query) => await pool.any(query as typeof token));
  const anyFirst: QueryMethods['anyFirst'] = async (token) => await run(token, async (query) => await pool.anyFirst(query as typeof token));
  const maybeOneFirst: QueryMethods['maybeOneFirst'] = async (token) => await run(token, async (query) => await pool.maybeOneFirst(query as typeof token));
  const query: QueryMethods['query'] = async (token) => await run(token, async (named) => await pool.query(named as typeof token));

  return {any, anyFirst, maybeOneFirst, query};
};
