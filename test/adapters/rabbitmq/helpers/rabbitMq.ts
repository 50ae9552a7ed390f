import {randomUUID} from 'node:crypto';
import {connect} from 'amqplib';

/** A fresh exchange/queue name per test, so tests run in parallel on one broker. */
export const createBrokerName = () => {
  return `planton-test-${randomUUID().slice(0, 12)}`;
};

/** A plain (non-recovering) connection for set-up, inspection and clean-up. */
export const createAdmin = async (url: string) => {
  const connection = await connect(url);
  const channel = await connection.createConfirmChannel();

  channel.on('error', () => undefined);

  return {
    channel,
    close: async () => {
      await connection.close();
    },
    /** Deletes the exchanges and queues a test created. */
    deleteAll: async ({exchanges = [], queues = []}: {readonly exchanges?: readonly string[]; readonly queues?: readonly string[]}) => {
      for (const queue of queues) {
        await channel.deleteQueue(queue);
      }

      for (const exchange of exchanges) {
        await channel.deleteExchange(exchange);
      }
    },
    /** Publishes raw bytes and waits for the broker's confirmation. */
    publishRaw: async (exchange: string, routingKey: string, content: Buffer) => {
      await new Promise<void>((resolve, reject) => {
        channel.publish(exchange, routingKey, content, {persistent: true}, (error: unknown) => {
          if (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          } else {
            resolve();
          }
        });
      });
    },
  };
};
