export {createNatsSink} from './createNatsSink.ts';
export {createNatsWorker} from './createNatsWorker.ts';
export type {
  NatsConnectionEvents,
  NatsReconnection,
  NatsServer,
  NatsSink,
  NatsSinkConfiguration,
  NatsStreamDefaults,
  NatsWorker,
  NatsWorkerConfiguration,
  NatsWorkerEvents,
} from './types.ts';
export {connectSink} from '../connectSink.ts';
export {
  BrokerConnectionError,
  InvalidSinkConfigurationError,
  InvalidSinkMessageError,
  SinkPublishError,
  SinkRejectedError,
  SinkReleaseError,
  WorkerStoreError,
} from '../sinkErrors.ts';
export type {SinkFailureReason} from '../sinkErrors.ts';
export type {
  ConnectSinkConfiguration,
  Sink,
  SinkConnection,
  SinkConnectionStats,
  SinkMessage,
  SinkProcessor,
  SinkStore,
  WorkerEvents,
  WorkerStore,
} from '../sinkTypes.ts';
