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
// The in-process processor, imported next to the store it records in.
export * from '../processor/index.ts';
export {
  ExecutionNotRunningError,
  InvalidStoreConfigurationError,
  MigrationChecksumMismatchError,
  MigrationError,
  StoreBackgroundError,
  StoreTerminatedError,
  StoreUnreachableError,
  UnexpectedClaimResultError,
} from '../errors.ts';
export type {
  ClaimedExecution,
  DeadInstruction,
  ExecutionFailure,
  ExecutionReference,
  ExecutionState,
  FailExecutions,
  Store,
  StoreEvents,
  TaskDefinition,
  WakeReason,
} from '../types.ts';
