import {type DatabasePool, type IdentifierSqlToken, sql} from 'slonik';
import {z} from 'zod';
import {Logger} from '../../planton/Logger.ts';
import {MigrationError} from '../errors.ts';
import {planMigrations} from '../migrations/planMigrations.ts';
import {readMigrations} from '../migrations/readMigrations.ts';
import type {Migration} from '../migrations/types.ts';

const log = Logger.child({
  namespace: 'applyPostgresMigrations',
});

/** One set of migrations on PostgreSQL: the store's, the scheduler's. */
export type PostgresMigrationComponent = {
  /** The component's name: the folder under `migrations/postgres/` that holds its files. */
  readonly name: string;
  /** The first key of the advisory lock that serializes its migrations; the second is hashtext(schema). */
  readonly lockKey: number;
  /** The table, in the migrated schema, that records its applied versions. */
  readonly table: string;
};

export type ApplyPostgresMigrationsConfiguration = {
  readonly component: PostgresMigrationComponent;
  /**
   * The component's migrations, in version order.
   * @default its files under migrations/postgres/ (readMigrations)
   */
  readonly migrations?: readonly Migration[];
  /** A slonik pool: on a PostgreSQL server or on PGlite. */
  readonly pool: DatabasePool;
  /** The schema to migrate, created if missing. */
  readonly schema: string;
};

const empty = z.object({});

/**
 * The advisory lock (with hashtext(schema)) every component takes after its own: components
 * migrating one schema at once would otherwise race on CREATE SCHEMA. It is the store's key ('plan'
 * in ASCII), so earlier releases' store, which took it alone, is kept out as well. Always taken
 * second, after the component's: no two processes wait for each other's.
 */
const SCHEMA_LOCK_KEY = 0x70_6C_61_6E;

const appliedMigration = z.object({
  checksum: z.string(),
  version: z.number(),
});

/** The table recording a component's migrations; schema.sql is generated with the same statement. */
export const createMigrationTable = (table: IdentifierSqlToken) => sql.type(empty)`CREATE TABLE IF NOT EXISTS ${table} (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies a component's missing migrations into `schema` (created if needed), each in its own
 * transaction under the component's advisory lock (and the schema's), and records each (version, file name, sha256)
 * in `<schema>.<table>`. Any number of processes may start at once: one applies, the others wait
 * for the lock and find it done. A migration that fails rolls back alone (`MigrationError`), those
 * before it stay applied; one applied whose file changed since stops everything
 * (`MigrationChecksumMismatchError`). The names recorded are informational: earlier releases
 * recorded `schema.sql` and `migrations/0002-…` for the store's versions 1 and 2, whose files are
 * byte for byte the same.
 */
export const applyPostgresMigrations = async (configuration: ApplyPostgresMigrationsConfiguration): Promise<void> => {
  const {component: {lockKey, name: component, table}, pool, schema} = configuration;
  const migrations = configuration.migrations ?? await readMigrations({component, dialect: 'postgres'});
  const schemaIdentifier = sql.identifier([schema]);
  const migrationTable = sql.identifier([schema, table]);

  /** Applies the first missing migration, if any; whether it did. */
  const applyNext = async () => await pool.transaction(async (connection) => {
    await connection.query(sql.type(empty)`SELECT pg_advisory_xact_lock(${lockKey}, hashtext(${schema}))`);
    await connection.query(sql.type(empty)`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY}, hashtext(${schema}))`);
    await connection.query(sql.type(empty)`CREATE SCHEMA IF NOT EXISTS ${schemaIdentifier}`);
    await connection.query(createMigrationTable(migrationTable));

    const applied = await connection.any(sql.type(appliedMigration)`SELECT version, checksum FROM ${migrationTable}`);
    const [migration] = planMigrations({applied, migrations, schema});

    if (migration === undefined) {
      return false;
    }

    try {
      // The file is plain multi-statement SQL (psql -f applies it too). The extended protocol takes
      // one statement per query, so a temporary PL/pgSQL function EXECUTEs it, passed as a parameter.
      await connection.query(sql.type(empty)`SET LOCAL search_path TO ${schemaIdentifier}`);
      await connection.query(sql.type(empty)`
        CREATE OR REPLACE FUNCTION pg_temp.planton_execute_migration (statements text) RETURNS void
        LANGUAGE plpgsql
        AS 'BEGIN EXECUTE statements; END'
      `);
      await connection.query(sql.type(empty)`SELECT pg_temp.planton_execute_migration(${migration.text})`);
      await connection.query(sql.type(empty)`DROP FUNCTION pg_temp.planton_execute_migration(text)`);
      await connection.query(sql.type(empty)`
        INSERT INTO ${migrationTable} (version, name, checksum)
        VALUES (${migration.version}, ${migration.file}, ${migration.checksum})
      `);
    } catch (error) {
      throw new MigrationError(schema, migration.version, error);
    }

    log.info({component, file: migration.file, schema, version: migration.version}, 'applied migration');

    return true;
  });

  while (await applyNext()) {
    // Until none is missing.
  }
};
