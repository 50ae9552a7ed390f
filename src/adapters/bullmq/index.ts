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
export * from '../sinks/index.ts';
