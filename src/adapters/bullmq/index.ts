export {createBullMqSink} from './createBullMqSink.ts';
export {createBullMqWorker} from './createBullMqWorker.ts';
export {createJobId} from './createJobId.ts';
export type {
  BullMqConnectionEvents,
  BullMqReconnection,
  BullMqSink,
  BullMqSinkConfiguration,
  BullMqWorker,
  BullMqWorkerConfiguration,
  BullMqWorkerEvents,
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
  SinkMessage,
  SinkProcessor,
  WorkerEvents,
} from '../sinkTypes.ts';
