export {createRabbitMqSink} from './createRabbitMqSink.ts';
export {createRabbitMqWorker} from './createRabbitMqWorker.ts';
export type {
  RabbitMqConnectionEvents,
  RabbitMqReconnection,
  RabbitMqSink,
  RabbitMqSinkConfiguration,
  RabbitMqWorker,
  RabbitMqWorkerConfiguration,
  RabbitMqWorkerEvents,
} from './types.ts';
export {connectSink} from '../connectSink.ts';
export {createSinkMessageHandler} from '../createSinkMessageHandler.ts';
export type {SinkMessageHandler, SinkMessageHandlerConfiguration, SinkMessageOutcome, SinkMessageResult} from '../createSinkMessageHandler.ts';
export {
  BrokerConnectionError,
  InvalidSinkConfigurationError,
  InvalidSinkMessageError,
  SinkPublishError,
  SinkRejectedError,
  SinkReleaseError,
  WorkerStoreError,
} from '../sinkErrors.ts';
export type {SinkFailureReason, WorkerStoreOperation} from '../sinkErrors.ts';
export type {
  CompleteExecutions,
  HeartbeatExecutions,
  ConnectSinkConfiguration,
  Sink,
  SinkConnection,
  SinkConnectionStats,
  SinkMessage,
  SinkProcessor,
  SinkStore,
  SinkWorkerOptions,
  WorkerEvents,
  WorkerStore,
  WorkerStoreRetry,
} from '../sinkTypes.ts';
