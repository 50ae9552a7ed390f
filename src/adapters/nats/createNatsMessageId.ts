import type {SinkMessage} from '../sinks/types.ts';

/**
 * The `Nats-Msg-Id` of a sink message, by which JetStream drops a second copy within the stream's
 * duplicate window: `<taskName>:<executionId>` when the message carries its execution id (one
 * message per execution, however often it is retried), else `<taskName>:<instruction>:<nonce>`
 * with a nonce drawn once per `publish` call. Without an execution id the instruction alone must
 * not be the id: an instruction released and claimed again within the window would be taken for
 * a duplicate and never delivered. The task name is URI-encoded, so any name makes a valid header.
 */
export const createNatsMessageId = (message: SinkMessage, nonce: string): string => {
  const taskName = encodeURIComponent(message.taskName);

  return message.executionId === undefined ?
    `${taskName}:${encodeURIComponent(String(message.instruction))}:${nonce}` :
    `${taskName}:${message.executionId}`;
};
