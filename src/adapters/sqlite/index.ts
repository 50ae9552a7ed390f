// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
export {applySqliteMigrations} from './applySqliteMigrations.ts';
export type {ApplySqliteMigrationsConfiguration, SqliteMigrationComponent} from './applySqliteMigrations.ts';
export {createSqliteStore} from './createSqliteStore.ts';
export type {
  SqliteClaim,
  SqliteClaimContext,
  SqliteRow,
  SqliteStore,
  SqliteStoreConfiguration,
} from './types.ts';
export * from '../storeEntryExports.ts';
