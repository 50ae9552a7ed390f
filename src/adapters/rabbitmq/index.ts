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
