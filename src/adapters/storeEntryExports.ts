/**
 * What every store's entry point (`planton/postgres`, `planton/mysql`, `planton/sqlite`) exports
 * beside its own store: the in-process processor, imported next to the store it records in, the
 * stores' error classes and the dispatch store contract's types.
 */
export * from './processor/index.ts';
export {
  ExecutionNotRunningError,
  InvalidStoreConfigurationError,
  MigrationChecksumMismatchError,
  MigrationError,
  StoreBackgroundError,
  StoreTerminatedError,
  StoreUnreachableError,
  UndispatchedClaimError,
  UnexpectedClaimResultError,
} from './errors.ts';
export type {
  ClaimedExecution,
  DeadInstruction,
  DispatchStore,
  ExecutionFailure,
  ExecutionReference,
  ExecutionState,
  ExecutionSummary,
  FailExecutions,
  Store,
  StoreEvents,
  SummarizeExecutions,
  SummarizeExecutionsConfiguration,
  TaskDefinition,
  TaskExecutionSummary,
  TerminatedExecutionSummary,
  WakeReason,
} from './types.ts';
