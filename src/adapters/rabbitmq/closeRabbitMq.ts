import type {RecoveringChannelModel} from 'amqplib';
import {serializeError} from 'serialize-error';
import {Logger} from '../../planton/Logger.ts';

const log = Logger.child({
  namespace: 'closeRabbitMq',
});

/** How long a graceful close may wait for the broker's CloseOk. */
const CLOSE_TIMEOUT = 2_000;

/**
 * Closes the connection and stops its recovery. amqplib waits for the broker's CloseOk, which never
 * comes when the socket dies while closing (the broker went away at that moment): after
 * `CLOSE_TIMEOUT` the close is abandoned (the recovery is already stopped, the socket is dead) so
 * that `close()` of a sink or worker always settles.
 */
export const closeRabbitMq = async (model: RecoveringChannelModel): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const closed = model.close().then(() => 'CLOSED' as const, (error: unknown) => {
    log.debug({error: serializeError(error)}, 'closing the RabbitMQ connection failed');

    return 'CLOSED' as const;
  });
  const outcome = await Promise.race([
    closed,
    new Promise<'TIMED_OUT'>((resolve) => {
      timer = setTimeout(() => {
        resolve('TIMED_OUT');
      }, CLOSE_TIMEOUT);
    }),
  ]);

  clearTimeout(timer);

  if (outcome === 'TIMED_OUT') {
    log.warn({timeout: CLOSE_TIMEOUT}, 'the broker did not confirm the close in time; abandoned the connection');
  }
};
