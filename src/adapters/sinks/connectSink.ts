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
 * `cause.code`). The release is a failed attempt of the instruction: it is claimed again after its
 * task's `retryDelay` (growing with each further failure), and is dead after `maxAttempts`.
 *
 * A publish that timed out may still reach the broker, which then confirms it late (the sink calls
 * `onLateConfirm`; counted in `confirmedLate`): the message is in the broker and a worker will
 * receive it. The worker revives the released execution (`reviveExecution`: RUNNING again, the
 * failed attempt taken back) unless the instruction was claimed again meanwhile, and runs it. The
 * dispatcher does not revive it itself: it cannot tell whether a worker already received and ran the
 * message (the release may land while the processor runs), and a revived execution nobody holds a
 * message for would stay RUNNING until the reaper.
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
  let confirmedLate = 0;
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

  /** Keeps `promise` in `inFlight` (what close() waits for) until it settles. */
  const track = (promise: Promise<void>) => {
    const tracked = promise.finally(() => {
      inFlight.delete(tracked);
    });

    inFlight.add(tracked);
  };

  const onTask = (event: TaskEvent<Instruction>) => {
    const executionId = store.getClaimedExecutionId?.(event) ?? null;
    const message: SinkMessage<Instruction> = executionId === null ?
      {instruction: event.instruction, taskName: event.taskName} :
      {executionId, instruction: event.instruction, taskName: event.taskName};
    const onLateConfirm = () => {
      confirmedLate++;
      log.info({message}, 'the broker confirmed a message after its publish timed out; the worker that receives it revives its execution');
    };

    track((async () => {
      try {
        await sink.publish(message, {onLateConfirm});
        confirmed++;
      } catch (error) {
        await release(message, error);
      }
    })());
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
      return {confirmed, confirmedLate, failed, inFlight: inFlight.size};
    },
  };
};
