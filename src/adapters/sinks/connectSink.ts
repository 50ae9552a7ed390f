import {createErrorReporter} from '../../planton/createErrorReporter.ts';
import {Logger} from '../../planton/Logger.ts';
import type {PlantonEvents, TaskEvent, TaskInstruction} from '../../planton/types.ts';
import {SinkPublishError, SinkReleaseError} from './errors.ts';
import type {ConnectSinkConfiguration, SinkConnection, SinkMessage} from './types.ts';

const log = Logger.child({
  namespace: 'connectSink',
});

/**
 * Publishes each `task` event of `planton` through `sink`, as `{taskName, instruction,
 * executionId}` with the id of the execution the store claimed for it (`getClaimedExecutionId`, no
 * I/O), so consumers end executions by id. An instruction counts as dispatched only once the broker
 * confirmed it; when the publish fails, its execution is released (`store.failExecution` with the
 * reason, so it is scheduled again) and then an `error` event with code `SINK_PUBLISH_FAILED` fires
 * on `planton` (the sink's own code — `SINK_TIMEOUT`, `SINK_UNROUTABLE`, … — in `sinkCode` and
 * `cause.code`).
 *
 * Backpressure comes from the store: a claimed execution is RUNNING, hence active, from the claim
 * until a consumer (or a release) ends it, so unconfirmed publishes fill the task's `concurrency`
 * and a broker that stops confirming stops the claims (a sink's publish waits for a lost connection,
 * within its timeout, rather than failing at once).
 */
export const connectSink = <Instruction extends TaskInstruction = TaskInstruction>(configuration: ConnectSinkConfiguration<Instruction>): SinkConnection => {
  const {planton, sink, store} = configuration;
  const inFlight = new Set<Promise<void>>();
  let confirmed = 0;
  let failed = 0;
  let closed = false;

  const reportError = createErrorReporter<PlantonEvents<Instruction>>({events: planton.events, log});

  const release = async (message: SinkMessage<Instruction>, publishError: unknown) => {
    const executionId = message.executionId ?? null;
    const error = new SinkPublishError(message.taskName, message.instruction, publishError, executionId);

    failed++;

    try {
      await store.failExecution(executionId === null ? {instruction: message.instruction, taskName: message.taskName} : {executionId}, error);
    } catch (releaseError) {
      // EXECUTION_NOT_RUNNING: a consumer already ended it (the message got through after all).
      if ((releaseError as {code?: unknown}).code !== 'EXECUTION_NOT_RUNNING') {
        reportError({error: new SinkReleaseError(message.taskName, message.instruction, releaseError, executionId), taskName: message.taskName}, 'could not release an unconfirmed instruction');
      }
    }

    reportError({error, taskName: message.taskName}, 'the broker did not confirm an instruction; released its execution');
  };

  const onTask = (event: TaskEvent<Instruction>) => {
    const executionId = store.getClaimedExecutionId?.(event) ?? null;
    const message: SinkMessage<Instruction> = executionId === null ?
      {instruction: event.instruction, taskName: event.taskName} :
      {executionId, instruction: event.instruction, taskName: event.taskName};
    const publishing = (async () => {
      try {
        await sink.publish(message);
        confirmed++;
      } catch (error) {
        await release(message, error);
      }
    })().finally(() => {
      inFlight.delete(publishing);
    });

    inFlight.add(publishing);
  };

  planton.events.on('task', onTask);

  return {
    close: async () => {
      if (!closed) {
        closed = true;
        planton.events.off('task', onTask);
      }

      while (inFlight.size > 0) {
        await Promise.all(inFlight);
      }
    },
    getStats: () => {
      return {confirmed, failed, inFlight: inFlight.size};
    },
  };
};
