import {randomUUID} from 'node:crypto';
import type {JetStreamClient, NatsConnection} from 'nats';
import {serializeError} from 'serialize-error';
import {createEmitter} from '../../planton/createEmitter.ts';
import {createListenerErrorHook} from '../../planton/createListenerErrorHook.ts';
import {createSystemClock} from '../../planton/createSystemClock.ts';
import {Logger} from '../../planton/Logger.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {createDeadlineQueue} from '../sinks/createDeadlineQueue.ts';
import {encodeSinkMessage} from '../sinks/encodeSinkMessage.ts';
import {SinkConnectionRefusedError, SinkRejectedError} from '../sinks/errors.ts';
import type {SinkMessage} from '../sinks/types.ts';
import {connectNats} from './connectNats.ts';
import {createNatsMessageId} from './createNatsMessageId.ts';
import {ensureStream} from './ensureStream.ts';
import type {NatsConnectionEvents, NatsSink, NatsSinkConfiguration} from './types.ts';
import {failOption, validateNatsConfiguration} from './validateNatsConfiguration.ts';

const log = Logger.child({
  namespace: 'createNatsSink',
});

const DEFAULT_PUBLISH_TIMEOUT = 30_000;

/** Milliseconds one attempt waits for its acknowledgement before the publish is retried (same message id). */
const ATTEMPT_TIMEOUT = 5_000;

/** nats client error codes after which the same publish is tried again: the message may or may not be stored. */
const RETRIED_CODES = new Set(['CONNECTION_CLOSED', 'DISCONNECT', 'TIMEOUT']);

/** Milliseconds before retrying an attempt that failed at once (not a timeout), so a closed connection is not spun on. */
const FAST_FAILURE_PAUSE = 100;

const clock = createSystemClock();

const describeError = (error: unknown) => {
  return error instanceof Error ? error.message : String(error);
};

const getCode = (error: unknown) => {
  return String((error as {code?: unknown} | null)?.code ?? '');
};

/**
 * A sink publishing to a JetStream stream. `publish` resolves once JetStream acknowledged that it
 * stored the message. The message id (`Nats-Msg-Id`, see `createNatsMessageId`) lets JetStream
 * drop a second copy, so an attempt whose acknowledgement was lost (a dropped connection, a slow
 * server) is retried within `publishTimeout` without storing the message twice. Rejects with
 * `SINK_UNROUTABLE` when no stream captures the subject, `SINK_REJECTED` when JetStream refused
 * the message (another stream captures the subject, a limit), `SINK_TIMEOUT` when nothing
 * acknowledged it in time (the server unreachable meanwhile), `SINK_CLOSED` after `close()`.
 * Creates the stream when missing (`ensureStream`). The connection recovers on its own. Until the
 * first connection succeeds, a refused one (nothing listening, an authorization violation) rejects
 * the publishes at once with `SINK_CONNECTION_REFUSED` (also on `error`) while it is retried.
 */
export const createNatsSink = async <Instruction extends TaskInstruction = TaskInstruction>(configuration: NatsSinkConfiguration): Promise<NatsSink<Instruction>> => {
  const {duplicateWindow, ensureStream: shouldEnsureStream, reconnection, server, stream, subject} = validateNatsConfiguration(configuration);
  const {publishTimeout = DEFAULT_PUBLISH_TIMEOUT} = configuration;

  if (!Number.isFinite(publishTimeout) || publishTimeout <= 0) {
    failOption('publishTimeout', 'a finite number > 0', publishTimeout);
  }

  const events = createEmitter<NatsConnectionEvents>(createListenerErrorHook(log));
  const link = connectNats({events, name: `planton-sink:${stream}`, reconnection, server});
  /** What `close()` rejects: every publish still waiting. */
  const pending = new Set<(error: SinkRejectedError) => void>();
  let ensuring: Promise<void> | null = null;
  let closed = false;
  /** Resolves at the next reconnection: the acknowledgements of publishes sent before it are lost, so they are sent again at once. */
  let reconnected = Promise.withResolvers<'RECONNECTED'>();

  events.on('connected', (event) => {
    if (event.reconnected) {
      // A stream check in flight lost its reply too.
      ensuring = null;
      reconnected.resolve('RECONNECTED');
      reconnected = Promise.withResolvers<'RECONNECTED'>();
    }
  });

  let jetStream: {readonly client: JetStreamClient; readonly connection: NatsConnection} | null = null;

  const getJetStream = (connection: NatsConnection) => {
    if (jetStream?.connection !== connection) {
      jetStream = {client: connection.jetstream(), connection};
    }

    return jetStream.client;
  };

  const ensureStreamOnce = async (connection: NatsConnection) => {
    if (!shouldEnsureStream) {
      return;
    }

    if (ensuring === null) {
      const started: Promise<void> = ensureStream({connection, duplicateWindow, stream, subject}).catch((error: unknown) => {
        // Tried again by the next publish (unless a reconnection already started another check).
        if (ensuring === started) {
          ensuring = null;
        }

        throw error;
      });

      ensuring = started;
    }

    await ensuring;
  };

  /** Tries until acknowledged; returns early once `signal` aborts (the publish has been settled). */
  const publishUntilAcknowledged = async (content: Buffer, messageId: string, deadline: number, signal: AbortSignal) => {
    let streamEnsuredAgain = false;

    while (!signal.aborted) {
      const connection = await link.refusal.race(link.getConnection(signal));

      try {
        const attempt = (async () => {
          await ensureStreamOnce(connection);

          if (!signal.aborted) {
            await getJetStream(connection).publish(subject, content, {
              expect: {streamName: stream},
              msgID: messageId,
              timeout: Math.max(1, Math.min(deadline - Date.now(), ATTEMPT_TIMEOUT)),
            });
          }
        })();

        // An attempt abandoned for a reconnection settles later: its outcome no longer matters.
        attempt.catch(() => undefined);

        if (await Promise.race([attempt, reconnected.promise]) === 'RECONNECTED') {
          log.debug({messageId}, 'reconnected before the acknowledgement; publishing again with the same message id');

          continue;
        }

        return;
      } catch (error) {
        const code = getCode(error);

        if (signal.aborted) {
          return;
        }

        if (RETRIED_CODES.has(code)) {
          log.debug({code, messageId}, 'no acknowledgement yet; publishing again with the same message id');

          if (code !== 'TIMEOUT') {
            await clock.sleep(FAST_FAILURE_PAUSE, signal);
          }
        } else if (code === '503' && shouldEnsureStream && !streamEnsuredAgain) {
          // The stream may have been deleted since it was ensured: ensure it once more.
          streamEnsuredAgain = true;
          ensuring = null;
        } else if (code === '503') {
          throw new SinkRejectedError('UNROUTABLE', `No JetStream stream captures subject \`${subject}\` (stream \`${stream}\` expected).`, error);
        } else {
          throw new SinkRejectedError('REJECTED', `JetStream did not take the message: ${describeError(error)}`, error);
        }
      }
    }
  };

  /** Every publish's timeout behind one timer. */
  const deadlines = createDeadlineQueue(publishTimeout);

  const publish = async (message: SinkMessage<Instruction>): Promise<void> => {
    if (closed) {
      throw new SinkRejectedError('CLOSED', 'The sink is closed.');
    }

    const content = encodeSinkMessage(message);
    const messageId = createNatsMessageId(message, randomUUID());
    const deadline = Date.now() + publishTimeout;
    const abortController = new AbortController();

    try {
      await new Promise<void>((resolve, reject) => {
        const settle = (error: SinkConnectionRefusedError | SinkRejectedError | null) => {
          if (abortController.signal.aborted) {
            return;
          }

          abortController.abort();
          timeout.clear();
          pending.delete(settle);

          if (error === null) {
            resolve();
          } else {
            reject(error);
          }
        };

        const timeout = deadlines.watch(() => {
          settle(new SinkRejectedError('TIMEOUT', `JetStream did not acknowledge the message within ${publishTimeout} ms.`));
        });
        pending.add(settle);
        publishUntilAcknowledged(content, messageId, deadline, abortController.signal).then(() => {
          settle(null);
        }, (error: unknown) => {
          settle(error instanceof SinkRejectedError || error instanceof SinkConnectionRefusedError ? error : new SinkRejectedError(closed ? 'CLOSED' : 'REJECTED', `JetStream did not take the message: ${describeError(error)}`, error));
        });
      });
    } catch (error) {
      log.debug({error: serializeError(error), messageId}, 'a publish failed');
      throw error;
    }
  };

  return {
    close: async () => {
      if (closed) {
        return;
      }

      closed = true;

      for (const settle of pending) {
        settle(new SinkRejectedError('CLOSED', 'The sink was closed before JetStream acknowledged the message.'));
      }

      await link.close();
    },
    events,
    publish,
  };
};
