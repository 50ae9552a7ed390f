// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
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
