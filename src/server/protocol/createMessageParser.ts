import {Compile} from 'typebox/compile';
import type {TSchema} from 'typebox';
import type {TLocalizedValidationError} from 'typebox/error';
import {describeValue} from '../../planton/describeValue.ts';
import {ProtocolError} from './errors.ts';
import {PROTOCOL_VERSION} from './messages.ts';

/** What a parser makes of one frame: the message, or why it was refused. */
export type ParsedMessage<Message> =
  | {readonly error: ProtocolError; readonly message: null}
  | {readonly error: null; readonly message: Message};

/** The types of the messages a side accepts, by `type`. */
type MessageSchemas = Readonly<Record<string, TSchema>>;

const describeType = (value: unknown): string => describeValue(value).slice(0, 100);

/** The most specific complaint of a validator: an unexpected property by name, else the deepest path. */
const describeFault = (errors: readonly TLocalizedValidationError[]): {readonly message: string; readonly path: string} => {
  const extra = errors.find((error) => error.keyword === 'additionalProperties');

  if (extra !== undefined) {
    const [name = ''] = (extra.params as {readonly additionalProperties?: readonly string[]}).additionalProperties ?? [];

    return {message: `unexpected property \`${name.slice(0, 100)}\``, path: `${extra.instancePath}/${name.slice(0, 100)}`};
  }

  const [deepest] = errors.filter((error) => error.keyword !== 'boolean').toSorted((a, b) => b.instancePath.length - a.instancePath.length);

  return {message: deepest?.message ?? 'refused by its schema', path: deepest?.instancePath ?? ''};
};

/**
 * A parser of the frames one side receives, with a validator compiled once per message type.
 * Never throws: bad JSON, a binary frame, a missing or unknown `type`, another protocol version or
 * a message its schema refuses each give a `ProtocolError` with its code (`path` pointing at the
 * part at fault). `Message` is the union the schemas describe.
 */
export const createMessageParser = <Message>(schemas: MessageSchemas): (data: unknown, isBinary?: boolean) => ParsedMessage<Message> => {
  const validators = new Map(Object.entries(schemas).map(([type, schema]) => [type, Compile(schema)]));

  const refuse = (error: ProtocolError): ParsedMessage<Message> => ({error, message: null});

  return (data, isBinary = false) => {
    if (isBinary) {
      return refuse(new ProtocolError('MALFORMED_MESSAGE', 'Expected a text frame holding a JSON object, got a binary frame.'));
    }

    let value: unknown;

    try {
      value = JSON.parse(String(data));
    } catch (error) {
      return refuse(new ProtocolError('MALFORMED_MESSAGE', `Expected a JSON object, got text JSON cannot parse: ${error instanceof Error ? error.message : String(error)}`));
    }

    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return refuse(new ProtocolError('INVALID_MESSAGE', `Expected a JSON object, got \`${describeType(value)}\`.`));
    }

    const {type, v} = value as {readonly type?: unknown; readonly v?: unknown};

    if (v !== PROTOCOL_VERSION) {
      return refuse(new ProtocolError('UNSUPPORTED_PROTOCOL_VERSION', `Expected \`v\` to be ${PROTOCOL_VERSION}, the protocol version this peer speaks, got \`${describeType(v)}\`.`, '/v'));
    }

    const validator = typeof type === 'string' && Object.hasOwn(schemas, type) ? validators.get(type) : undefined;

    if (validator === undefined) {
      return refuse(new ProtocolError('UNKNOWN_MESSAGE_TYPE', `Expected \`type\` to be one of ${[...validators.keys()].map((name) => `\`${name}\``).join(', ')}, got \`${describeType(type)}\`.`, '/type'));
    }

    if (!validator.Check(value)) {
      const {message, path} = describeFault(validator.Errors(value));

      return refuse(new ProtocolError('INVALID_MESSAGE', `Invalid \`${String(type)}\` message at \`${path === '' ? '/' : path}\`: ${message}.`, path));
    }

    return {error: null, message: value as Message};
  };
};
