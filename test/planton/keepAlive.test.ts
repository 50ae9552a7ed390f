import {once} from 'node:events';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';
import {createPlanton} from '../../src/index.ts';
import {spawnFixture} from '../helpers/spawnFixture.ts';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'keepAlive.ts');

type Message = {readonly refused: string} | {readonly rounds: number} | {readonly terminated: true};

const rounds = (messages: readonly Message[]) => messages.filter((message) => 'rounds' in message).length;

test('Planton keeps the process alive between rounds when nothing else does, and lets it exit once terminated', async (t) => {
  const {child, messages} = spawnFixture<Message>(fixture, {});
  const [code] = await once(child, 'exit') as [number | null];

  t.is(code, 0);
  t.is(rounds(messages), 5);
  t.true(messages.some((message) => 'terminated' in message));
});

test('with keepAlive false the process exits as soon as nothing else holds it, here before the first round', async (t) => {
  const {child, messages} = spawnFixture<Message>(fixture, {PLANTON_KEEP_ALIVE: 'false'});
  const [code] = await once(child, 'exit') as [number | null];

  t.is(code, 0);
  t.is(rounds(messages), 0);
});

test('a configuration refused at a task leaves no keep-alive handle behind', async (t) => {
  const {child, messages} = spawnFixture<Message>(fixture, {PLANTON_KEEP_ALIVE: 'false', PLANTON_REFUSED_FIRST: 'true'});
  const [code] = await once(child, 'exit') as [number | null];

  t.is(code, 0);
  t.deepEqual(messages[0], {refused: 'UNEXPECTED_STATE_ERROR'});
  t.is(rounds(messages), 0);
});

test('keepAlive must be a boolean', (t) => {
  t.throws(() => createPlanton({getActiveTaskInstructions: () => [], keepAlive: 'yes' as unknown as boolean, tasks: []}), {code: 'INVALID_CONFIGURATION', message: 'Expected `keepAlive` to be a boolean, got `"yes"`.'});
});
