// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
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
export * from '../sinks/index.ts';
