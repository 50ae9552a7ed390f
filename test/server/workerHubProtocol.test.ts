/**
 * Hostile and malformed frames: each gets one coded `error` reply, the connection stays usable, and
 * the hub keeps serving other workers. A table of the cases we thought of, then fast-check for the
 * ones we did not. The scheduler runs on the memory store: the store plays no part in refusals.
 */
import test from 'ava';
import fc from 'fast-check';
import type {HubMessage} from '../../src/server/protocol/messages.ts';
import {ofType, type RawClient} from './helpers/connectRawClient.ts';
import {createHubHarness, START} from './helpers/createHubHarness.ts';

const SECOND = 1_000;

const hello = {clientId: 'c', concurrency: 1, jobs: [], name: 'n', tasks: [], type: 'hello', v: 1};

/** Frame, expected code, and the part at fault the message names (for INVALID_MESSAGE); each sent on a new connection, before any hello. */
const HOSTILE: ReadonlyArray<readonly [string, Buffer | string, string, string?]> = [
  ['not JSON', 'hello?', 'MALFORMED_MESSAGE'],
  ['an empty frame', '', 'MALFORMED_MESSAGE'],
  ['a binary frame', Buffer.from(JSON.stringify(hello)), 'MALFORMED_MESSAGE'],
  ['nesting deeper than the parser goes', '['.repeat(200_000), 'MALFORMED_MESSAGE'],
  ['a JSON array', '[]', 'INVALID_MESSAGE'],
  ['JSON null', 'null', 'INVALID_MESSAGE'],
  ['a JSON number', '42', 'INVALID_MESSAGE'],
  ['an object without v', '{}', 'UNSUPPORTED_PROTOCOL_VERSION'],
  ['another protocol version', JSON.stringify({...hello, v: 2}), 'UNSUPPORTED_PROTOCOL_VERSION'],
  ['v as a string', JSON.stringify({...hello, v: '1'}), 'UNSUPPORTED_PROTOCOL_VERSION'],
  ['no type', '{"v":1}', 'UNKNOWN_MESSAGE_TYPE'],
  ['a hub message type', '{"v":1,"type":"welcome"}', 'UNKNOWN_MESSAGE_TYPE'],
  ['type __proto__', '{"v":1,"type":"__proto__"}', 'UNKNOWN_MESSAGE_TYPE'],
  ['type constructor', '{"v":1,"type":"constructor"}', 'UNKNOWN_MESSAGE_TYPE'],
  ['type toString', '{"v":1,"type":"toString"}', 'UNKNOWN_MESSAGE_TYPE'],
  ['an empty clientId', JSON.stringify({...hello, clientId: ''}), 'INVALID_MESSAGE', '/clientId'],
  ['concurrency 0', JSON.stringify({...hello, concurrency: 0}), 'INVALID_MESSAGE', '/concurrency'],
  ['concurrency 1.5', JSON.stringify({...hello, concurrency: 1.5}), 'INVALID_MESSAGE', '/concurrency'],
  ['concurrency as a string', JSON.stringify({...hello, concurrency: '1'}), 'INVALID_MESSAGE', '/concurrency'],
  ['an empty task name', JSON.stringify({...hello, tasks: ['']}), 'INVALID_MESSAGE', '/tasks/0'],
  ['a task name of 10,000 characters', JSON.stringify({...hello, tasks: ['x'.repeat(10_000)]}), 'INVALID_MESSAGE', '/tasks/0'],
  ['an unknown property', JSON.stringify({...hello, admin: true}), 'INVALID_MESSAGE', '/admin'],
  ['a __proto__ property', `{"v":1,"type":"heartbeat","__proto__":{"polluted":true}}`, 'INVALID_MESSAGE', '/__proto__'],
  ['a missing property', JSON.stringify({...hello, jobs: undefined}), 'INVALID_MESSAGE'],
  ['a negative job id', JSON.stringify({attempt: 1, jobId: -1, seq: 1, type: 'done', v: 1}), 'INVALID_MESSAGE', '/jobId'],
  ['a job id past 2^53', '{"v":1,"type":"done","jobId":9007199254740993,"attempt":1,"seq":1}', 'INVALID_MESSAGE', '/jobId'],
  ['progress 1.5', JSON.stringify({attempt: 1, jobId: 1, progress: 1.5, seq: 1, step: null, type: 'progress', v: 1}), 'INVALID_MESSAGE', '/progress'],
  ['a log without a message', JSON.stringify({attempt: 1, jobId: 1, seq: 1, type: 'log', v: 1}), 'INVALID_MESSAGE'],
  ['a valid log before hello', JSON.stringify({attempt: 1, jobId: 1, message: 'm', seq: 1, type: 'log', v: 1}), 'UNEXPECTED_MESSAGE'],
  ['a heartbeat before hello', '{"v":1,"type":"heartbeat"}', 'UNEXPECTED_MESSAGE'],
];

/** Sends `frame` then a heartbeat, and returns what the hub answered before the heartbeat's reply: the synchronous answer to `frame` (answers about attempts may come later). */
const answerTo = async (client: RawClient, frame: Buffer | string): Promise<readonly HubMessage[]> => {
  const from = client.messages.length;

  client.sendRaw(frame);
  client.send({type: 'heartbeat'});

  const reply = await client.waitFor(ofType('heartbeat'), from);

  return client.messages.slice(from, client.messages.indexOf(reply));
};

test('every hostile frame gets one error reply with its code; the hub goes on serving', async (t) => {
  const h = await createHubHarness(t, null, {hub: {leaseDuration: 10 * SECOND}});

  for (const [title, frame, code, path] of HOSTILE) {
    const client = await h.connect();

    client.sendRaw(frame);

    const reply = await client.waitFor(ofType('error'));

    t.like(reply, {code, type: 'error', v: 1}, title);

    if (path !== undefined) {
      t.true(reply.message.includes(`\`${path}\``), `${title}: ${reply.message}`);
    }

    if (code === 'UNSUPPORTED_PROTOCOL_VERSION') {
      t.is(await client.closed, 1002, title);
    }

    client.socket.terminate();
  }

  t.is(({} as {polluted?: boolean}).polluted, undefined);

  // Greeted: a second hello, an attempt never given, and the connection stays usable.
  const worker = await h.connect();

  await worker.hello({tasks: ['after-all']});
  t.like(await answerTo(worker, JSON.stringify(hello)), [{code: 'UNEXPECTED_MESSAGE'}]);
  worker.send({attempt: 1, jobId: 999, seq: 1, type: 'done'});
  t.like(await worker.waitFor((message) => message.type === 'error' && message.jobId === 999), {attempt: 1, code: 'UNKNOWN_ATTEMPT', jobId: 999, seq: 1});

  // Registered at the hub's next registration retry (5 s), before the job is due.
  await h.scheduler.schedule({name: 'after-all', schedule: {date: new Date(START + 6 * SECOND)}, timeout: 10 * SECOND});
  await h.clock.advance(6 * SECOND);
  t.like(await worker.waitFor(ofType('job')), {taskName: 'after-all'});
  t.deepEqual(h.hubEvents.error, []);
  t.true(h.hubEvents.refused.length >= HOSTILE.length);
});

test('a frame over the server\'s size limit closes that connection (1009) and no other', async (t) => {
  const h = await createHubHarness(t, null, {hub: {leaseDuration: 10 * SECOND}});
  const other = await h.connect();
  const big = await h.connect();

  await other.hello();
  big.sendRaw(JSON.stringify({...hello, name: 'x'.repeat(2_000_000)}));
  t.is(await big.closed, 1009);
  other.send({type: 'heartbeat'});
  t.like(await other.waitFor(ofType('heartbeat')), {v: 1});
});

const CLIENT_TYPES = ['done', 'fail', 'heartbeat', 'log', 'processors', 'progress'] as const;
const KNOWN_CODES = new Set(['INVALID_MESSAGE', 'MALFORMED_MESSAGE', 'UNEXPECTED_MESSAGE', 'UNKNOWN_ATTEMPT', 'UNKNOWN_MESSAGE_TYPE', 'UNKNOWN_TASK', 'UNSUPPORTED_PROTOCOL_VERSION']);

test('fast-check: any frame a greeted worker sends is answered, never with an internal error, and the connection stays open', async (t) => {
  const h = await createHubHarness(t, null, {hub: {leaseDuration: 10 * SECOND}});
  const worker = await h.connect();

  await worker.hello();

  // What a worker could send: text, any JSON, and messages of every type with fields of any value.
  const field = fc.oneof(fc.jsonValue(), fc.integer(), fc.double(), fc.string());
  const frames = fc.oneof(
    fc.string({unit: 'grapheme-composite'}),
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc.record({
      attempt: field,
      error: field,
      jobId: field,
      message: field,
      progress: field,
      result: field,
      seq: field,
      step: field,
      tasks: fc.oneof(field, fc.array(fc.string({maxLength: 5}), {maxLength: 3})),
      type: fc.constantFrom(...CLIENT_TYPES),
      v: fc.oneof(fc.constant(1), field),
    }, {requiredKeys: ['type']}).map((value) => JSON.stringify(value)),
  );

  await fc.assert(fc.asyncProperty(frames, async (frame) => {
    const answers = await answerTo(worker, frame);

    for (const answer of answers) {
      if (answer.type === 'error' && !KNOWN_CODES.has(answer.code)) {
        throw new Error(`${frame} got ${JSON.stringify(answer)}`);
      }
    }
  }), {numRuns: 300});

  t.is(worker.socket.readyState, worker.socket.OPEN);
  t.deepEqual(h.hubEvents.error, []);
});
