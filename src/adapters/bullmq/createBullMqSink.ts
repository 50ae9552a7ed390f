import {Queue} from 'bullmq';
import type {Redis} from 'ioredis';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {describeValue} from '../../planton/describeValue.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {BrokerConnectionError, InvalidSinkConfigurationError, SinkRejectedError} from '../sinkErrors.ts';
import type {SinkMessage} from '../sinkTypes.ts';
import {connectRedis, validateConnectionConfiguration} from './connectRedis.ts';
import {createJobId} from './createJobId.ts';
import type {BullMqConnectionEvents, BullMqSink, BullMqSinkConfiguration} from './types.ts';

const log = Logger.child({
  namespace: 'createBullMqSink',
});

const DEFAULT_PUBLISH_TIMEOUT = 30_000;

const validateConfiguration = (configuration: BullMqSinkConfiguration) => {
  const connection = validateConnectionConfiguration(configuration);
  const {jobOptions = {}, publishTimeout = DEFAULT_PUBLISH_TIMEOUT} = configuration;

  if (typeof jobOptions !== 'object' || jobOptions === null || 'jobId' in jobOptions) {
    throw new InvalidSinkConfigurationError('jobOptions', `Expected \`jobOptions\` to be an object without \`jobId\`, got \`${describeValue(jobOptions)}\`.`);
  }

  if (!Number.isFinite(publishTimeout) || publishTimeout <= 0) {
    throw new InvalidSinkConfigurationError('publishTimeout', `Expected \`publishTimeout\` to be a finite number > 0, got \`${describeValue(publishTimeout)}\`.`);
  }

  return {...connection, jobOptions, publishTimeout};
};

const describeError = (error: unknown) => {
  return error instanceof Error ? error.message : String(error);
};

/** ioredis' ways of saying a command did not reach Redis or its reply did not come back. */
const CONNECTION_FAILURE = /Stream isn't writeable|Connection is closed|max retries per request|Command timed out|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT/iu;

/**
 * A sink adding one BullMQ job per message: job name = task name, data = the message
 * (`{taskName, instruction, executionId}`), job id = `<task name>/<execution id>` so that a retried
 * add is stored once. `publish` resolves when Redis stored the job. While Redis is unreachable a
 * publish waits for the reconnection; if the job is not stored within `publishTimeout` it rejects
 * with `SINK_TIMEOUT`; a job Redis refused rejects with `SINK_REJECTED`; after `close()`,
 * `SINK_CLOSED`. The connection recovers on its own.
 */
export const createBullMqSink = <Instruction extends TaskInstruction = TaskInstruction>(configuration: BullMqSinkConfiguration): BullMqSink<Instruction> => {
  const {connection, jobOptions, prefix, publishTimeout, queueName, reconnection, url} = validateConfiguration(configuration);
  const events = createEmitter<BullMqConnectionEvents>((eventName, _payload, error) => {
    log.error({error: serializeError(error), eventName: String(eventName)}, 'a sink event listener threw');
  });
  const redis: Redis = connection ?? connectRedis({reconnection, role: 'SINK', url: url as string});
  const queue = new Queue(queueName, {connection: redis, prefix});
  /** Resolves at the next `ready` of the connection; shared by every publish waiting for it. */
  let nextReady: Promise<void> | null = null;
  let closed = false;

  const onError = (error: Error) => {
    const wrapped = new BrokerConnectionError(error);

    log.warn({error: serializeError(wrapped)}, 'Redis connection error (the sink reconnects)');
    events.emit('error', {error: wrapped});
  };

  // Without a listener, an `error` of the queue would be thrown.
  queue.on('error', onError);

  const waitForReady = () => {
    nextReady ??= new Promise<void>((resolve) => {
      redis.once('ready', () => {
        nextReady = null;
        resolve();
      });
    });

    return nextReady;
  };

  const publish = async (message: SinkMessage<Instruction>): Promise<void> => {
    if (closed) {
      throw new SinkRejectedError('CLOSED', 'The sink is closed.');
    }

    const {executionId} = message;
    const data = executionId === undefined ?
      {instruction: message.instruction, taskName: message.taskName} :
      {executionId, instruction: message.instruction, taskName: message.taskName};
    const options = executionId === undefined ? jobOptions : {...jobOptions, jobId: createJobId(message.taskName, executionId)};
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'TIMEOUT'>((resolve) => {
      timer = setTimeout(() => {
        resolve('TIMEOUT');
      }, publishTimeout);
      timer.unref();
    });

    try {
      for (;;) {
        try {
          // A late reply after the timeout is harmless: the job id stores a retried add once, and
          // a consumer skips the job of an execution that was released meanwhile.
          const outcome = await Promise.race([queue.add(message.taskName, data, options), timedOut]);

          if (outcome === 'TIMEOUT') {
            throw new SinkRejectedError('TIMEOUT', `Redis did not store the job within ${publishTimeout} ms.`);
          }

          return;
        } catch (error) {
          if (error instanceof SinkRejectedError) {
            throw error;
          }

          if (closed) {
            throw new SinkRejectedError('CLOSED', `The sink was closed before Redis stored the job: ${describeError(error)}`, error);
          }

          if (redis.status === 'ready' && !CONNECTION_FAILURE.test(describeError(error))) {
            throw new SinkRejectedError('REJECTED', `Redis did not store the job: ${describeError(error)}`, error);
          }

          // Disconnected: wait for the connection (the add fails at once without it: no offline
          // queue), then add again (the job id stores it once if the first add did get through).
          if (redis.status !== 'ready' && await Promise.race([waitForReady(), timedOut]) === 'TIMEOUT') {
            throw new SinkRejectedError('TIMEOUT', `Redis was unreachable for ${publishTimeout} ms: ${describeError(error)}`, error);
          }
        }
      }
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    close: async () => {
      if (closed) {
        return;
      }

      closed = true;
      await queue.close();

      if (connection === undefined) {
        redis.disconnect();
      }
    },
    events,
    publish,
    queue,
  };
};
