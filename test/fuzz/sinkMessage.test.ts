/**
 * Fuzz of what a sink's worker receives: any bytes, any JSON, any decoded value is either a sink
 * message (run, its outcome recorded, acknowledged) or a poison message rejected with
 * INVALID_SINK_MESSAGE; parsing never throws, and the handler never rejects, never requeues a
 * message it could judge, and never holds one forever (on PGlite, whose store refuses what
 * PostgreSQL cannot hold, such as NUL in a task name).
 */
import test from 'ava';
import fc from 'fast-check';
import {createSinkMessageHandler, type SinkMessageResult} from '../../src/adapters/sinks/createSinkMessageHandler.ts';
import {encodeSinkMessage} from '../../src/adapters/sinks/encodeSinkMessage.ts';
import {parseSinkMessage, readSinkMessage} from '../../src/adapters/sinks/parseSinkMessage.ts';
import type {WorkerEvents} from '../../src/adapters/sinks/types.ts';
import {createPostgresStore} from '../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresClaim} from '../../src/adapters/postgres/types.ts';
import {createEmitter} from '../../src/planton/createEmitter.ts';
import {createSchemaName, dropSchema, usePglite} from '../helpers/postgres.ts';
import {createItemClaim, createItems} from '../adapters/postgres/helpers/items.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {hostileValue, nastyString, sqlLookingString} from './helpers/arbitraries.ts';
import {runProperty} from './helpers/runProperty.ts';

/** Values a message's fields may hold: right, wrong, hostile. */
const field = fc.oneof(
  {arbitrary: fc.constantFrom('items', 'a', '', ' '), weight: 3},
  {arbitrary: fc.integer({max: 10, min: -1}), weight: 3},
  {arbitrary: fc.constantFrom(1.5, 2 ** 53, -0, 1e308), weight: 1},
  {arbitrary: nastyString(), weight: 2},
  {arbitrary: sqlLookingString(), weight: 1},
  {arbitrary: fc.jsonValue({maxDepth: 2}), weight: 1},
);

/** JSON objects shaped like sink messages, with fields missing, extra, or of any type. */
const messageLike = fc.record({executionId: field, extra: field, instruction: field, taskName: field}, {requiredKeys: []});

/** Payloads as a broker delivers them. */
const payload = fc.oneof(
  {arbitrary: messageLike.map((value) => Buffer.from(JSON.stringify(value))), weight: 5},
  {arbitrary: fc.uint8Array({maxLength: 64}).map((bytes) => Buffer.from(bytes)), weight: 2},
  {arbitrary: fc.string({unit: 'binary'}).map((text) => Buffer.from(text)), weight: 1},
  {arbitrary: fc.jsonValue({maxDepth: 3}).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')), weight: 1},
  {arbitrary: fc.constantFrom('[', '{"taskName":', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, `{"a":${'['.repeat(10_000)}`, '"\\ud800"', '{"taskName":"a\\u0000","instruction":1}', '{"__proto__":{"taskName":"a"},"instruction":1}').map((text) => Buffer.from(text)), weight: 1},
);

const isValidMessage = (message: {readonly executionId?: unknown; readonly instruction: unknown; readonly taskName: unknown}) => {
  return typeof message.taskName === 'string' && message.taskName !== '' &&
    (typeof message.instruction === 'string' || (typeof message.instruction === 'number' && Number.isFinite(message.instruction))) &&
    (message.executionId === undefined || Number.isSafeInteger(message.executionId));
};

test('parseSinkMessage never throws: any payload is a valid message or a reason, quoted in at most 201 characters', async (t) => {
  await runProperty(fc.property(payload, (bytes) => {
    const parsed = parseSinkMessage(bytes);

    if (parsed.ok) {
      return isValidMessage(parsed.message);
    }

    return typeof parsed.reason === 'string' && parsed.content.length <= 201;
  }), {numRuns: 2_000, timeLimit: 4_000});
  t.pass();
});

test('a message encoded by encodeSinkMessage reads back as itself', async (t) => {
  await runProperty(fc.property(
    fc.record({executionId: fc.option(fc.maxSafeNat(), {nil: undefined}), instruction: fc.oneof(fc.string({unit: 'binary'}), nastyString(), fc.double({noDefaultInfinity: true, noNaN: true})), taskName: fc.oneof(fc.string({minLength: 1, unit: 'binary'}), nastyString().filter((name) => name !== ''))}),
    (message) => {
      const parsed = parseSinkMessage(encodeSinkMessage(message));
      // -0 goes through JSON as 0.
      const expected = {...message, instruction: Object.is(message.instruction, -0) ? 0 : message.instruction};

      return parsed.ok && JSON.stringify(parsed.message) === JSON.stringify(expected.executionId === undefined ? {instruction: expected.instruction, taskName: expected.taskName} : expected);
    },
  ), {numRuns: 1_000, timeLimit: 4_000});
  t.pass();
});

test('readSinkMessage never throws for a decoded value of any kind', async (t) => {
  await runProperty(fc.property(fc.oneof(messageLike, hostileValue(), fc.record({instruction: hostileValue(), taskName: hostileValue()})), (value) => {
    const parsed = readSinkMessage(value, () => 'described');

    return parsed.ok ? isValidMessage(parsed.message) : parsed.content === 'described';
  }), {numRuns: 1_000, timeLimit: 4_000});
  t.pass();
});

/** The handler's results must be one of these: a poison message is rejected (coded), others acknowledged. */
const assertJudged = (result: SinkMessageResult, input: unknown) => {
  if (result.outcome === 'REJECT' && result.error.code !== 'INVALID_SINK_MESSAGE') {
    throw new Error(`Expected a rejection to be INVALID_SINK_MESSAGE, got ${result.error.code} for ${String(input)}`);
  }

  if (result.outcome === 'REQUEUE') {
    throw new Error(`Expected the message to be judged, it was requeued: ${String(input)}`);
  }
};

const pglite = usePglite();

test('on a PGlite store, the handler rejects a poison message with INVALID_SINK_MESSAGE and acknowledges the others, promptly, never rejecting', async (t) => {
  const {pool} = await pglite.get();
  const schema = createSchemaName();
  const store = await createPostgresStore<number | string>({heartbeatInterval: 3_600_000, pool, reaperInterval: 0, schema});

  t.teardown(async () => {
    await store.terminate();
    await dropSchema(pool, schema);
  });
  await createItems(pool, schema, 200);

  const events = createEmitter<WorkerEvents<number | string>>(() => undefined);
  let processed = 0;
  const handler = createSinkMessageHandler<number | string>({
    events,
    processor: ({instruction}) => {
      processed++;

      // Some processors fail, with a hostile value as the error: the failure is still recorded.
      if (typeof instruction === 'number' && instruction % 3 === 0) {
        throw Object.assign(Object.create(null), {instruction, nul: '\u0000', big: 10n}) as unknown;
      }
    },
    store,
    storeRetry: {initialDelay: 10, maxDelay: 50},
  });

  t.teardown(() => {
    handler.close();
  });

  // Executions to find by id or by (task, instruction), claimed as the sink would.
  const claimed = await store.claimExecutions({claim: createItemClaim(schema) as PostgresClaim<number | string>, limit: 200, taskName: 'items'});
  const ids = claimed.map(({executionId}) => executionId);

  await runProperty(fc.asyncProperty(
    fc.oneof(
      {arbitrary: payload.map((bytes) => ({bytes, decoded: false as const})), weight: 4},
      {arbitrary: fc.tuple(fc.constantFrom(...ids), fc.boolean()).map(([executionId, byName]) => ({bytes: encodeSinkMessage(byName ? {instruction: executionId, taskName: 'items'} : {executionId, instruction: 0, taskName: 'items'}), decoded: false as const})), weight: 2},
      {arbitrary: fc.oneof(messageLike, hostileValue()).map((value) => ({decoded: true as const, value})), weight: 2},
      // Names and instructions no execution can have (PostgreSQL holds no NUL): skipped, not held.
      {arbitrary: fc.tuple(nastyString(), fc.oneof(nastyString(), fc.constantFrom(...ids))).map(([name, instruction]) => ({bytes: encodeSinkMessage({instruction, taskName: `items${name}\u0000`}), decoded: false as const})), weight: 1},
    ),
    async (input) => {
      // A message the store cannot take is retried; a few seconds is plenty for one that it can.
      const handled = input.decoded ? handler.handleDecoded(input.value, {redelivered: false}) : handler.handle(input.bytes, {redelivered: false});
      const result = await withDeadline(handled, 'the handler to judge the message', 10_000);

      assertJudged(result, input.decoded ? input.value : input.bytes.toString('utf8').slice(0, 100));
    },
  ), {numRuns: 150, timeLimit: 3_000});
  t.true(processed > 0);
});
