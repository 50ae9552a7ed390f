// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
export {applyMigrations} from './applyMigrations.ts';
export {createPgNotificationListener} from './createPgNotificationListener.ts';
export type {
  PgNotificationListener,
  PgNotificationListenerConfiguration,
  PgNotificationListenerEvents,
} from './createPgNotificationListener.ts';
export {createPostgresStore} from './createPostgresStore.ts';
export {getTaskChannel} from './getTaskChannel.ts';
export type {
  InstallNotifyTriggerConfiguration,
  NotificationListener,
  PostgresClaim,
  PostgresClaimContext,
  PostgresStore,
  PostgresStoreConfiguration,
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
  UndispatchedClaimError,
  UnexpectedClaimResultError,
} from '../errors.ts';
export type {
  ClaimedExecution,
  DeadInstruction,
  DispatchStore,
  ExecutionFailure,
  ExecutionReference,
  ExecutionState,
  FailExecutions,
  Store,
  StoreEvents,
  TaskDefinition,
  WakeReason,
} from '../types.ts';
