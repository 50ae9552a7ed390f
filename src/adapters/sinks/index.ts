/**
 * What every broker entry point (`planton/rabbitmq`, `planton/bullmq`, `planton/nats`) exports
 * beside its own sink and worker: connectSink, the shared worker logic, the sink errors and types.
 * One list, so the three entry points cannot drift apart.
 */
// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
export {connectSink} from './connectSink.ts';
export {createSinkMessageHandler} from './createSinkMessageHandler.ts';
export type {SinkMessageHandler, SinkMessageHandlerConfiguration, SinkMessageOutcome, SinkMessageResult} from './createSinkMessageHandler.ts';
export {
  BrokerConnectionError,
  InvalidSinkConfigurationError,
  InvalidSinkMessageError,
  SinkConnectionRefusedError,
  SinkPublishError,
  SinkRejectedError,
  SinkReleaseError,
  WorkerStoreError,
} from './errors.ts';
export type {ConnectionRefusal, SinkBroker, SinkFailureReason, WorkerStoreOperation} from './errors.ts';
export type {
  CompleteExecutions,
  ConnectSinkConfiguration,
  FindNotRunning,
  HeartbeatExecutions,
  Sink,
  SinkConnection,
  SinkConnectionStats,
  SinkMessage,
  SinkProcessor,
  SinkPublishOptions,
  SinkStore,
  SinkWorkerConfiguration,
  WorkerEvents,
  WorkerStore,
  WorkerStoreRetry,
} from './types.ts';
