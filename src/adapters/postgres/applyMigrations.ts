import {createHash} from 'node:crypto';
import {access, readFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {Logger} from '../../planton/Logger.ts';
import {MigrationError} from '../errors.ts';

const log = Logger.child({
  namespace: 'applyMigrations',
});

/** The first key of the advisory lock that serializes migrations ('plan' in ASCII); the second is hashtext(schema). */
const MIGRATION_LOCK_KEY = 0x70_6C_61_6E;

/** Version 1 is the repository's schema.sql; later versions add files here (migrations/), never edit shipped ones. */
const MIGRATIONS: ReadonlyArray<{readonly file: string; readonly version: number}> = [
  {file: 'schema.sql', version: 1},
  {file: 'migrations/0002-combined-claim-check.sql', version: 2},
];

const empty = z.object({});

const appliedMigration = z.object({
  checksum: z.string(),
  version: z.number(),
});

const exists = async (file: string): Promise<boolean> => {
  try {
    await access(file);

    return true;
  } catch {
    return false;
  }
};

/** The migration file, found in the nearest directory above this module that holds it (the package root, from src/ or dist/src/). */
const readMigrationFile = async (name: string): Promise<string> => {
  let directory = path.dirname(fileURLToPath(import.meta.url));

  for (;;) {
    const candidate = path.join(directory, name);

    if (await exists(candidate)) {
      return await readFile(candidate, 'utf8');
    }

    const parent = path.dirname(directory);

    if (parent === directory) {
      throw new Error(`Cannot find \`${name}\` above ${fileURLToPath(import.meta.url)}.`);
    }

    directory = parent;
  }
};

/**
 * Applies the schema's missing migrations into `schema` (created if needed), each recorded in
 * `<schema>.planton_migration`, all in one transaction under an advisory lock: any number of
 * processes may start at once, one applies, the others wait and find it done.
 */
export const applyMigrations = async ({pool, schema}: {readonly pool: DatabasePool; readonly schema: string}): Promise<void> => {
  const migrations = await Promise.all(MIGRATIONS.map(async (migration) => {
    const text = await readMigrationFile(migration.file);

    return {...migration, checksum: createHash('sha256').update(text).digest('hex'), text};
  }));

  const schemaIdentifier = sql.identifier([schema]);
  const migrationTable = sql.identifier([schema, 'planton_migration']);

  await pool.transaction(async (connection) => {
    await connection.query(sql.type(empty)`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY}, hashtext(${schema}))`);
    await connection.query(sql.type(empty)`CREATE SCHEMA IF NOT EXISTS ${schemaIdentifier}`);
    await connection.query(sql.type(empty)`
      CREATE TABLE IF NOT EXISTS ${migrationTable} (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `);

    const applied = new Map((await connection.any(sql.type(appliedMigration)`SELECT version, checksum FROM ${migrationTable}`)).map((row) => [row.version, row.checksum]));

    for (const migration of migrations) {
      const appliedChecksum = applied.get(migration.version);

      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== migration.checksum) {
          log.warn({file: migration.file, schema, version: migration.version}, 'an applied migration file changed since; the change is not applied (add a new migration instead)');
        }

        continue;
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

      log.info({schema, version: migration.version}, 'applied migration');
    }
  });
};
