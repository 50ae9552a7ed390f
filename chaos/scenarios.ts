import type {Scenario} from './types.ts';

/** Every scenario, in the order they run; `short` ones make `npm run chaos -- --short` (and `.ci/run`). */
export const scenarios: readonly Scenario[] = [
  {fault: {target: 'dispatcher', type: 'kill'}, kind: 'instructions', name: 'kill-dispatcher', processes: 2, short: true},
  {fault: {target: 'scheduler', type: 'kill'}, kind: 'jobs', name: 'kill-scheduler', processes: 2, short: true},
  {broker: 'rabbitmq', fault: {target: 'worker', type: 'kill'}, kind: 'instructions', name: 'kill-sink-worker-rabbitmq', processes: 1, short: false, workers: 2},
  {broker: 'bullmq', fault: {target: 'worker', type: 'kill'}, kind: 'instructions', name: 'kill-sink-worker-bullmq', processes: 1, short: false, workers: 2},
  {broker: 'nats', fault: {target: 'worker', type: 'kill'}, kind: 'instructions', name: 'kill-sink-worker-nats', processes: 1, short: true, workers: 2},
  {fault: {server: 'postgres', type: 'restart'}, kind: 'instructions', name: 'postgres-restart', processes: 2, short: true},
  {fault: {server: 'postgres', type: 'restart'}, kind: 'jobs', name: 'postgres-restart-jobs', processes: 2, short: false},
  {broker: 'rabbitmq', fault: {server: 'rabbitmq', type: 'restart'}, kind: 'instructions', name: 'rabbitmq-restart', processes: 1, short: false, workers: 1},
  {broker: 'bullmq', fault: {server: 'redis', type: 'restart'}, kind: 'instructions', name: 'redis-restart', processes: 1, short: true, workers: 1},
  {broker: 'nats', fault: {server: 'nats', type: 'restart'}, kind: 'instructions', name: 'nats-restart', processes: 1, short: false, workers: 1},
  {fault: {type: 'cut'}, kind: 'instructions', name: 'cut-after-commit', processes: 1, short: true},
];

export const describeFault = (scenario: Scenario): string => {
  const {fault} = scenario;

  switch (fault.type) {
    case 'cut':
      return 'the reply to a claim dropped after its COMMIT, connection reset';
    case 'kill':
      return `kill -9 of a ${fault.target === 'worker' ? `${scenario.broker ?? ''} sink worker` : fault.target === 'scheduler' ? 'scheduler instance' : 'dispatching process'}`;
    case 'restart':
      return `${fault.server} restart`;
  }
};
