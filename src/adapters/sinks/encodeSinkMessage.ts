import type {SinkMessage} from './types.ts';

/** The wire form of a sink message: JSON with `taskName`, `instruction` and, when known, `executionId`. */
export const encodeSinkMessage = (message: SinkMessage): Buffer => {
  return Buffer.from(JSON.stringify(message.executionId === undefined ?
    {instruction: message.instruction, taskName: message.taskName} :
    {executionId: message.executionId, instruction: message.instruction, taskName: message.taskName}));
};
