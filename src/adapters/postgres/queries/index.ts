export {createTables} from './createTables.ts';
export type {Tables} from './createTables.ts';
export type {FailedAttempt} from './rows.ts';
export * from './claimQueries.ts';
export * from './endQueries.ts';
export * from './heartbeatQueries.ts';
export * from './notifyQueries.ts';
export * from './retryQueries.ts';
export * from './taskQueries.ts';
