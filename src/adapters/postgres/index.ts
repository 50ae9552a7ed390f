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
export {summarizePostgresExecutions} from './summarizePostgresExecutions.ts';
export type {SummarizePostgresExecutionsConfiguration} from './summarizePostgresExecutions.ts';
export type {
  InstallNotifyTriggerConfiguration,
  NotificationListener,
  PostgresClaim,
  PostgresClaimContext,
  PostgresStore,
  PostgresStoreConfiguration,
} from './types.ts';
export * from '../storeEntryExports.ts';
