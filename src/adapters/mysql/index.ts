// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
export {applyMysqlMigrations, renderMysqlMigration} from './applyMysqlMigrations.ts';
export type {ApplyMysqlMigrationsConfiguration} from './applyMysqlMigrations.ts';
export {createMysqlStore} from './createMysqlStore.ts';
export {isMysqlConnectionError} from './isMysqlConnectionError.ts';
export {qualifyMysqlTable, quoteMysqlIdentifier, validateMysqlDatabase, validateMysqlTablePrefix} from './mysqlIdentifiers.ts';
export {withMysqlTransaction} from './withMysqlTransaction.ts';
export type {
  MysqlClaim,
  MysqlClaimContext,
  MysqlClaimQuery,
  MysqlQueryable,
  MysqlStore,
  MysqlStoreConfiguration,
} from './types.ts';
export * from '../storeEntryExports.ts';
