import type {TaskInstruction} from '../../planton/types.ts';
import type {SinkMessage} from './types.ts';

/** How many characters of an unparseable payload an error quotes. */
const QUOTED_LENGTH = 200;

export type ParsedSinkMessage<Instruction extends TaskInstruction> =
  | {readonly message: SinkMessage<Instruction>; readonly ok: true}
  | {readonly content: string; readonly ok: false; readonly reason: string};

const isInstruction = (value: unknown): value is TaskInstruction => {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
};

/** Quotes at most `QUOTED_LENGTH` characters of a payload in an error. */
const quote = (text: string): string => {
  return text.length > QUOTED_LENGTH ? `${text.slice(0, QUOTED_LENGTH)}…` : text;
};

/**
 * Reads a sink message from a value a broker already decoded (BullMQ's job data), or says why it
 * is not one (a poison message): not an object, a missing or empty `taskName`, an `instruction`
 * that is not a string or a finite number, an `executionId` that is not a safe integer. `describe`
 * gives the payload's text, for the error only.
 */
export const readSinkMessage = <Instruction extends TaskInstruction = TaskInstruction>(value: unknown, describe: () => string): ParsedSinkMessage<Instruction> => {
  const invalid = (reason: string) => ({content: quote(describe()), ok: false as const, reason});

  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('not a JSON object');
  }

  const {executionId, instruction, taskName} = value as Record<string, unknown>;

  if (typeof taskName !== 'string' || taskName === '') {
    return invalid('`taskName` is not a non-empty string');
  }

  if (!isInstruction(instruction)) {
    return invalid('`instruction` is not a string or a finite number');
  }

  if (executionId !== undefined && !Number.isSafeInteger(executionId)) {
    return invalid('`executionId` is not an integer');
  }

  return {
    message: executionId === undefined ?
      {instruction: instruction as Instruction, taskName} :
      {executionId: executionId as number, instruction: instruction as Instruction, taskName},
    ok: true,
  };
};

/** Reads a sink message from a broker payload (UTF-8 JSON), or says why it is not one; see `readSinkMessage`. */
export const parseSinkMessage = <Instruction extends TaskInstruction = TaskInstruction>(payload: Buffer): ParsedSinkMessage<Instruction> => {
  const text = payload.toString('utf8');
  let value: unknown;

  try {
    value = JSON.parse(text);
  } catch {
    return {content: quote(text), ok: false, reason: 'not JSON'};
  }

  return readSinkMessage<Instruction>(value, () => text);
};
