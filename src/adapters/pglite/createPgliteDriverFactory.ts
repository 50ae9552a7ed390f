import {Readable} from 'node:stream';
import {type PGlite, types} from '@electric-sql/pglite';
import {createDriverFactory, type DriverCommand, type DriverFactory, type DriverTypeParser} from '@slonik/driver';
import {
  CheckIntegrityConstraintViolationError,
  ForeignKeyIntegrityConstraintViolationError,
  InputSyntaxError,
  InvalidInputError,
  NotNullIntegrityConstraintViolationError,
  UniqueIntegrityConstraintViolationError,
} from 'slonik';
import {InvalidStoreConfigurationError} from '../errors.ts';

type Parsers = Record<number, (value: string) => unknown>;

const COMMANDS = new Set<DriverCommand>(['COPY', 'DELETE', 'INSERT', 'SELECT', 'UPDATE']);

const quoteArrayElement = (value: string): string => {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
};

/**
 * Turns a parameter into the text node-postgres would send, so both drivers see the same values:
 * slonik passes primitives, arrays (sql.array), buffers (sql.binary) and JSON text (sql.json/jsonb).
 */
const serializeParameter = (value: unknown): string | null => {
  if (value === null || value === undefined) {
    return null;
  }

  if (value instanceof Uint8Array) {
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  }

  if (value instanceof Date) {
    return value.toISOString();
  }

  if (Array.isArray(value)) {
    return `{${value.map((item) => {
      const serialized = serializeParameter(item);

      return serialized === null ? 'NULL' : Array.isArray(item) ? serialized : quoteArrayElement(serialized);
    }).join(',')}}`;
  }

  if (typeof value === 'object') {
    return JSON.stringify(value);
  }

  return String(value);
};

/** Parameters arrive as text already: PGlite must not serialize them again (it would JSON-encode jsonb twice). */
const textSerializers = Object.fromEntries(Object.keys(types.serializers).map((oid) => [oid, (value: unknown) => value as string]));

/** The pool's type parsers (slonik's preset: int8 → bigint, timestamptz → milliseconds, …) keyed by oid, arrays included. */
const createParsers = async (pglite: PGlite, typeParsers: readonly DriverTypeParser[]): Promise<Parsers> => {
  const {rows} = await pglite.query<{oid: number; typarray: number; typname: string}>(
    'SELECT oid::int4 AS oid, typarray::int4 AS typarray, typname::text AS typname FROM pg_type WHERE typname = ANY($1::text[])',
    [typeParsers.map((typeParser) => typeParser.name)],
  );
  const parsers: Parsers = {};

  for (const typeParser of typeParsers) {
    const row = rows.find((candidate) => candidate.typname === typeParser.name);

    if (!row) {
      throw new Error(`Database type "${typeParser.name}" not found.`);
    }

    parsers[row.oid] = (value) => typeParser.parse(value);

    if (row.typarray) {
      parsers[row.typarray] = (value) => types.arrayParser(value, (element: string) => typeParser.parse(element), row.typarray);
    }
  }

  return parsers;
};

/** Maps PostgreSQL error codes to slonik's errors, as slonik's pg driver does for the ones a store meets. */
const wrapError = (error: unknown, sqlText: string, values: readonly unknown[]): unknown => {
  if (!(error instanceof Error) || !('code' in error)) {
    return error;
  }

  const cause = error as Error & {code: string};

  switch (cause.code) {
    case '22P02': return new InvalidInputError(cause.message);
    case '23502': return new NotNullIntegrityConstraintViolationError(cause as never);
    case '23503': return new ForeignKeyIntegrityConstraintViolationError(cause as never);
    case '23505': return new UniqueIntegrityConstraintViolationError(cause as never);
    case '23514': return new CheckIntegrityConstraintViolationError(cause as never);
    case '42601': return new InputSyntaxError(cause as never, {sql: sqlText, values: values as never});
    default: return error;
  }
};

export type PgliteDriverFactoryConfiguration = {
  readonly pglite: PGlite;
};

/**
 * A slonik driver over an in-process PGlite, so the embedded database is reached through slonik
 * exactly like a server. PGlite is one PostgreSQL session: the pool must have exactly one
 * connection (createPglitePool sets it), every "connection" slonik opens is that same session, and
 * ending one does not close PGlite (its owner does).
 */
export const createPgliteDriverFactory = ({pglite}: PgliteDriverFactoryConfiguration): DriverFactory => {
  return createDriverFactory(async ({driverConfiguration}) => {
    const maxPoolSize = driverConfiguration.maxPoolSize ?? driverConfiguration.maximumPoolSize;

    if (maxPoolSize !== 1) {
      throw new InvalidStoreConfigurationError('maxPoolSize', `Expected \`maxPoolSize\` to be 1 for PGlite (one session), got \`${String(maxPoolSize)}\`.`);
    }

    await pglite.waitReady;

    const parsers = await createParsers(pglite, driverConfiguration.typeParsers);

    return {
      createPoolClient: async ({clientEventEmitter}) => {
        const query = async (sqlText: string, values: unknown[] = []) => {
          try {
            const result = await pglite.query<Record<string, unknown>>(sqlText, values.map(serializeParameter), {
              onNotice: (notice) => {
                clientEventEmitter.emit('notice', {message: notice.message ?? ''});
              },
              parsers,
              rowMode: 'object',
              serializers: textSerializers,
            });
            const command = result.command?.toUpperCase() as DriverCommand | undefined;

            return {
              command: command && COMMANDS.has(command) ? command : 'SELECT',
              fields: result.fields.map((field) => ({dataTypeId: field.dataTypeID, name: field.name})),
              rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length,
              rows: result.rows,
            };
          } catch (error) {
            throw wrapError(error, sqlText, values);
          }
        };

        return {
          connect: async () => {
            // The session is PGlite itself; nothing to open.
          },
          end: async () => {
            // PGlite belongs to whoever created it.
          },
          query,
          stream: (sqlText, values) => {
            return Readable.from((async function * () {
              const result = await query(sqlText, values);

              for (const row of result.rows) {
                yield {fields: result.fields, row};
              }
            })()) as never;
          },
        };
      },
    };
  });
};
