import type {TaskInstruction} from '../planton/types.ts';
import type {SinkMessage} from './sinkTypes.ts';

/** How many characters of an unparseable payload an error quotes. */
const QUOTED_LENGTH = 200;

export type ParsedSinkMessage<Instruction extends TaskInstruction> =
  | {readonly message: SinkMessage<Instruction>; readonly ok: true}
  | {readonly content: string; readonly ok: false; readonly reason: string};

const isInstruction = (value: unknown): value is TaskInstruction => {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
};

/**
 * Reads a sink message from a broker payload, or says why it is not one (a poison message): not
 * UTF-8 JSON, not an object, a missing or empty `taskName`, an `instruction` that is not a string or
 * a finite number, an `executionId` that is not a safe integer.
 */
export const parseSinkMessage = <Instruction extends TaskInstruction = TaskInstruction>(payload: Buffer): ParsedSinkMessage<Instruction> => {
  const text = payload.toString('utf8');
  const content = text.length > QUOTED_LENGTH ? `${text.slice(0, QUOTED_LENGTH)}…` : text;
  let value: unknown;

  try {
    value = JSON.parse(text);
  } catch {
    return {content, ok: false, reason: 'not JSON'};
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {content, ok: false, reason: 'not a JSON object'};
  }

  const {executionId, instruction, taskName} = value as Record<string, unknown>;

  if (typeof taskName !== 'string' || taskName === '') {
    return {content, ok: false, reason: '`taskName` is not a non-empty string'};
  }

  if (!isInstruction(instruction)) {
    return {content, ok: false, reason: '`instruction` is not a string or a finite number'};
  }

  if (executionId !== undefined && !Number.isSafeInteger(executionId)) {
    return {content, ok: false, reason: '`executionId` is not an integer'};
  }

  return {
    message: executionId === undefined ?
      {instruction: instruction as Instruction, taskName} :
      {executionId: executionId as number, instruction: instruction as Instruction, taskName},
    ok: true,
  };
};
