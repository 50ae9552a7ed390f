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
