import {randomUUID} from 'node:crypto';
import {connect} from 'nats';

/** A fresh stream/subject/consumer name per test, so tests run in parallel on one server. */
export const createBrokerName = () => {
  return `planton_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
};

/** A plain connection for set-up, inspection and clean-up. */
export const createAdmin = async (url: string) => {
  const connection = await connect({servers: url});
  const manager = await connection.jetstreamManager();

  return {
    close: async () => {
      await connection.close();
    },
    connection,
    /** Deletes a stream (and its consumers); a missing one is fine. */
    deleteStream: async (stream: string) => {
      await manager.streams.delete(stream).catch(() => false);
    },
    /** Messages the stream holds now. */
    getMessageCount: async (stream: string) => {
      return (await manager.streams.info(stream)).state.messages;
    },
    manager,
    /** Publishes raw bytes and waits for JetStream's acknowledgement. */
    publishRaw: async (subject: string, content: Uint8Array) => {
      await connection.jetstream().publish(subject, content);
    },
  };
};
