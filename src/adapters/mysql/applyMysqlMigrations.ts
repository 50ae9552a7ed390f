import type {Pool, PoolConnection, RowDataPacket} from 'mysql2/promise';
import {Logger} from '../../planton/Logger.ts';
import {InvalidStoreConfigurationError, MigrationError} from '../errors.ts';
import {planMigrations} from '../migrations/planMigrations.ts';
import {readMigrations} from '../migrations/readMigrations.ts';
import type {Migration} from '../migrations/types.ts';
import {qualifyMysqlTable, quoteMysqlIdentifier} from './mysqlIdentifiers.ts';
import {splitMysqlStatements} from './splitMysqlStatements.ts';

const log = Logger.child({
  namespace: 'applyMysqlMigrations',
});

/** Longest name GET_LOCK takes (MySQL 5.7+ and MariaDB refuse longer ones). */
const MAXIMUM_LOCK_NAME_LENGTH = 64;

/** Seconds one GET_LOCK call waits; it is called again until `lockTimeout` has passed. */
const LOCK_WAIT_SECONDS = 5;

/**
 * Errors of a statement that a migration interrupted half-way (the process died after some of its
 * statements, before its version was recorded) hits when it runs again: the table, column, index
 * or key it creates exists, or the one it drops does not. Only then are they passed over.
 */
const ALREADY_APPLIED_ERRORS = new Set([
  'ER_CANT_DROP_FIELD_OR_KEY',
  'ER_DUP_FIELDNAME',
  'ER_DUP_KEYNAME',
  'ER_FK_DUP_NAME',
  'ER_TABLE_EXISTS_ERROR',
]);

export type ApplyMysqlMigrationsConfiguration = {
  /** The set of migrations: the folder under `migrations/mysql/` (`store`, `scheduler`). */
  readonly component: string;
  /**
   * The database holding the tables; created if missing. Validated by the caller (validateMysqlDatabase).
   * @default null: the pool's current database (the one in its URL)
   */
  readonly database?: string | null;
  /**
   * The name of the GET_LOCK lock that serializes the component's migrations (at most 64
   * characters): one per component and table set, e.g. `planton:store:` and a hash of the database and prefix.
   */
  readonly lockName: string;
  /**
   * Milliseconds to wait for another process's migrations before giving up (MIGRATION_FAILED).
   * @default 120_000
   */
  readonly lockTimeout?: number;
  /**
   * The component's migrations, in version order.
   * @default its files under migrations/mysql/<component>/ (readMigrations)
   */
  readonly migrations?: readonly Migration[];
  /** A mysql2/promise pool (MySQL 8 or MariaDB 10.6+). One of its connections is held while migrating. */
  readonly pool: Pool;
  /** The unprefixed name of the table recording the applied versions, e.g. `store_migration`. */
  readonly table: string;
  /** Prepended to every table name, the migrations table's included. Validated by the caller (validateMysqlTablePrefix). */
  readonly tablePrefix: string;
};

/**
 * A migration's SQL with every `{{name}}` replaced by the quoted, qualified table
 * `` `database`.`<tablePrefix>name` ``: the files never spell a prefix or a database.
 */
export const renderMysqlMigration = (text: string, {database, tablePrefix}: {readonly database: string | null; readonly tablePrefix: string}): string => {
  return text.replaceAll(/\{\{([a-z_][\da-z_]*)\}\}/gu, (_match, name: string) => qualifyMysqlTable({database, name, tablePrefix}));
};

const getCode = (error: unknown): string | null => {
  const code = (error as {readonly code?: unknown} | null)?.code;

  return typeof code === 'string' ? code : null;
};

/** Waits for the named lock, GET_LOCK by GET_LOCK, until it is taken or `lockTimeout` has passed. */
const takeLock = async (connection: PoolConnection, lockName: string, lockTimeout: number): Promise<boolean> => {
  const deadline = Date.now() + lockTimeout;

  do {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS acquired', [lockName, LOCK_WAIT_SECONDS]);

    if (Number(rows[0]?.acquired) === 1) {
      return true;
    }
  } while (Date.now() < deadline);

  return false;
};

/**
 * Applies a component's missing migrations (migrations/mysql/<component>/0001-….sql, …) on MySQL or
 * MariaDB, on one connection of `pool` holding the GET_LOCK lock `lockName`: any number of
 * processes may start at once, one applies, the others wait for the lock and find it done. DDL
 * commits by itself on MySQL, so there is no migration transaction: each file's statements run one
 * by one (splitMysqlStatements) and its version is recorded (version, file name, sha256) in
 * `<tablePrefix><table>` right after its last statement. A process that dies half-way leaves the
 * version unrecorded; the next start runs the file again, and the statements that fail only
 * because they were already applied (a table, column, index or key that exists) are passed over.
 * Files name their tables `{{name}}` (renderMysqlMigration). A statement that fails otherwise
 * stops everything (`MigrationError`), the versions before it stay recorded; an applied file that
 * changed since throws `MigrationChecksumMismatchError` before anything runs.
 */
export const applyMysqlMigrations = async (configuration: ApplyMysqlMigrationsConfiguration): Promise<void> => {
  const {component, lockName, lockTimeout = 120_000, pool, table, tablePrefix} = configuration;

  if (lockName === '' || lockName.length > MAXIMUM_LOCK_NAME_LENGTH) {
    throw new InvalidStoreConfigurationError('lockName', `Expected \`lockName\` to be 1 to ${MAXIMUM_LOCK_NAME_LENGTH} characters, got ${lockName.length}.`);
  }

  const migrations = configuration.migrations ?? await readMigrations({component, dialect: 'mysql'});
  const connection = await pool.getConnection();
  let locked = false;

  try {
    const database = configuration.database ?? null;
    const [current] = await connection.query<RowDataPacket[]>('SELECT DATABASE() AS name');
    const label = database ?? (current[0]?.name as string | null | undefined) ?? null;

    if (label === null) {
      throw new InvalidStoreConfigurationError('database', 'Expected `database`, or a pool whose connections have a current database (a database in its URL), got neither.');
    }

    locked = await takeLock(connection, lockName, lockTimeout);

    if (!locked) {
      throw new MigrationError(label, 0, new Error(`Another process held the lock \`${lockName}\` for more than ${lockTimeout} ms.`));
    }

    if (database !== null) {
      await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteMysqlIdentifier(database)}`);
    }

    const migrationTable = qualifyMysqlTable({database, name: table, tablePrefix});

    await connection.query(`CREATE TABLE IF NOT EXISTS ${migrationTable} (
      version INT NOT NULL PRIMARY KEY,
      name VARCHAR(255) NOT NULL,
      checksum CHAR(64) NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);

    const [applied] = await connection.query<RowDataPacket[]>(`SELECT version, checksum FROM ${migrationTable}`);
    const pending = planMigrations({
      applied: applied.map((row) => ({checksum: String(row.checksum), version: Number(row.version)})),
      migrations,
      schema: label,
    });

    for (const migration of pending) {
      for (const statement of splitMysqlStatements(renderMysqlMigration(migration.text, {database, tablePrefix}))) {
        try {
          await connection.query(statement);
        } catch (error) {
          const code = getCode(error);

          if (code === null || !ALREADY_APPLIED_ERRORS.has(code)) {
            throw new MigrationError(label, migration.version, error);
          }

          log.warn({code, component, file: migration.file, version: migration.version}, 'a statement of an interrupted migration was already applied; passed over');
        }
      }

      await connection.query(`INSERT INTO ${migrationTable} (version, name, checksum) VALUES (?, ?, ?)`, [migration.version, migration.file, migration.checksum]);
      log.info({component, database: label, file: migration.file, version: migration.version}, 'applied migration');
    }
  } finally {
    try {
      if (locked) {
        await connection.query('SELECT RELEASE_LOCK(?)', [lockName]);
      }

      connection.release();
    } catch {
      // The connection broke: the server released the lock with the session. Not returned to the pool.
      connection.destroy();
    }
  }
};
