// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
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
export * from '../sinks/index.ts';
