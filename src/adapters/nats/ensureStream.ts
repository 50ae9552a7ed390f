import {nanos, type NatsConnection, RetentionPolicy, StorageType} from 'nats';
import {Logger} from '../../planton/Logger.ts';

const log = Logger.child({
  namespace: 'ensureStream',
});

/** JetStream's error codes (`api_error.err_code`) this module tells apart. */
const STREAM_NOT_FOUND = 10_059;
const STREAM_NAME_IN_USE = 10_058;

const getErrorCode = (error: unknown): number | null => {
  const code = (error as {api_error?: {err_code?: unknown}} | null)?.api_error?.err_code;

  return typeof code === 'number' ? code : null;
};

/**
 * Creates the stream when it does not exist: work-queue retention (a message is removed once
 * acknowledged), file storage, capturing `subject`, with `duplicateWindow` for de-duplication by
 * message id. An existing stream is left as it is, whatever its configuration; several processes
 * may ensure it at once.
 */
export const ensureStream = async ({connection, duplicateWindow, stream, subject}: {
  readonly connection: NatsConnection;
  readonly duplicateWindow: number;
  readonly stream: string;
  readonly subject: string;
}): Promise<void> => {
  const manager = await connection.jetstreamManager({checkAPI: false});

  try {
    await manager.streams.info(stream);

    return;
  } catch (error) {
    if (getErrorCode(error) !== STREAM_NOT_FOUND) {
      throw error;
    }
  }

  try {
    await manager.streams.add({
      duplicate_window: nanos(duplicateWindow),
      name: stream,
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      subjects: [subject],
    });
    log.info({stream, subject}, 'created the JetStream stream');
  } catch (error) {
    // Created meanwhile by another process.
    if (getErrorCode(error) !== STREAM_NAME_IN_USE) {
      throw error;
    }
  }
};
