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
