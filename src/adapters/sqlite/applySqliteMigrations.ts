import type {DatabaseSync} from 'node:sqlite';
import {z} from 'zod';
import {Logger} from '../../planton/Logger.ts';
import {MigrationError} from '../errors.ts';
import {planMigrations} from '../migrations/planMigrations.ts';
import {readMigrations} from '../migrations/readMigrations.ts';
import type {Migration} from '../migrations/types.ts';
import {assertSqliteTablePrefix} from './assertSqliteTablePrefix.ts';
import {runImmediateTransaction} from './runImmediateTransaction.ts';

const log = Logger.child({
  namespace: 'applySqliteMigrations',
});

/** One set of migrations on SQLite: the store's, the scheduler's. */
export type SqliteMigrationComponent = {
  /** The component's name: the folder under `migrations/sqlite/` that holds its files. */
  readonly name: string;
  /** The table (after the prefix) that records its applied versions, e.g. `migration` → `planton_migration`. */
  readonly table: string;
};

export type ApplySqliteMigrationsConfiguration = {
  readonly component: SqliteMigrationComponent;
  /** An open `node:sqlite` connection; its busy timeout bounds the wait for another process's migration. */
  readonly database: DatabaseSync;
  /**
   * The component's migrations, in version order.
   * @default its files under migrations/sqlite/<component.name>/ (readMigrations)
   */
  readonly migrations?: readonly Migration[];
  /**
   * Put before every table name: the files write `{{prefix}}maintenance_task`, applied as
   * `<tablePrefix>maintenance_task`. Letters, digits and underscores only (validated).
   */
  readonly tablePrefix: string;
};

/** The placeholder the SQLite migration files write before each table, index and trigger name. */
export const SQLITE_PREFIX_PLACEHOLDER = '{{prefix}}';

const appliedMigration = z.object({
  checksum: z.string(),
  version: z.number(),
});

/** A migration's SQL with its prefix placeholders replaced by the (validated) table prefix. */
export const renderSqliteMigration = (text: string, tablePrefix: string): string => {
  assertSqliteTablePrefix(tablePrefix);

  return text.replaceAll(SQLITE_PREFIX_PLACEHOLDER, tablePrefix);
};

/**
 * Applies a component's missing migrations, each in its own `BEGIN IMMEDIATE` transaction (SQLite's
 * write lock, which serializes them with every other writer of the file, in this process or
 * another), and records each (version, file name, sha256) in `<tablePrefix><component.table>`. Any
 * number of processes may start at once: one applies, the others wait for the lock (up to the
 * connection's busy timeout) and find it done. A migration that fails rolls back alone
 * (`MigrationError`), those before it stay applied; one applied whose file changed since stops
 * everything (`MigrationChecksumMismatchError`). The checksum is of the file, before the prefix is
 * put in, so stores with different prefixes record the same checksums.
 */
export const applySqliteMigrations = async (configuration: ApplySqliteMigrationsConfiguration): Promise<void> => {
  const {component: {name: component, table}, database, tablePrefix} = configuration;

  assertSqliteTablePrefix(tablePrefix);

  const migrations = configuration.migrations ?? await readMigrations({component, dialect: 'sqlite'});
  const migrationTable = `"${tablePrefix}${table}"`;
  const target = `${tablePrefix}* (${component})`;

  /** Applies the first missing migration, if any; whether it did. */
  const applyNext = () => runImmediateTransaction(database, () => {
    database.exec(`CREATE TABLE IF NOT EXISTS ${migrationTable} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at text NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) STRICT`);

    const applied = database.prepare(`SELECT version, checksum FROM ${migrationTable}`).all().map((row) => appliedMigration.parse(row));
    const [migration] = planMigrations({applied, migrations, schema: target});

    if (migration === undefined) {
      return false;
    }

    try {
      database.exec(renderSqliteMigration(migration.text, tablePrefix));
      database.prepare(`INSERT INTO ${migrationTable} (version, name, checksum) VALUES (?, ?, ?)`).run(migration.version, migration.file, migration.checksum);
    } catch (error) {
      throw new MigrationError(target, migration.version, error);
    }

    log.info({component, file: migration.file, tablePrefix, version: migration.version}, 'applied migration');

    return true;
  });

  while (applyNext()) {
    // Until none is missing.
  }
};
