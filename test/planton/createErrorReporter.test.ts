import test from 'ava';
import type {Logger} from 'roarr';
import {createEmitter} from '../../src/planton/createEmitter.ts';
import {createErrorReporter} from '../../src/planton/createErrorReporter.ts';
import {createListenerErrorHook} from '../../src/planton/createListenerErrorHook.ts';
import {PlantonError} from '../../src/planton/errors.ts';

type Line = {readonly context: Record<string, unknown>; readonly message: string};

/** A roarr logger that keeps its error lines. */
const createLog = () => {
  const lines: Line[] = [];
  const log = {
    error: (context: Record<string, unknown>, message: string) => {
      lines.push({context, message});
    },
  } as unknown as Logger;

  return {lines, log};
};

type Events = {
  readonly error: {readonly error: PlantonError; readonly taskName: string};
  readonly task: {readonly taskName: string};
};

test('report logs the payload, its error serialised, then emits the same payload as `error`', (t) => {
  const {lines, log} = createLog();
  const events = createEmitter<Events>(createListenerErrorHook(log));
  const reportError = createErrorReporter<Events>({events, log});
  const error = new PlantonError('the store is down', 'STORE_DOWN', {cause: new Error('connect ECONNREFUSED')});
  const emitted: Array<Events['error']> = [];

  events.on('error', (payload) => {
    // Logged before the event fires.
    t.is(lines.length, 1);
    emitted.push(payload);
  });
  reportError({error, taskName: 'purge'}, 'heartbeat failed');

  t.is(emitted.length, 1);
  t.is(emitted[0]?.error, error);
  t.is(emitted[0]?.taskName, 'purge');
  t.like(lines[0], {
    context: {error: {cause: {message: 'connect ECONNREFUSED'}, code: 'STORE_DOWN', message: 'the store is down', name: 'PlantonError'}, taskName: 'purge'},
    message: 'heartbeat failed',
  });
  t.false(lines[0]?.context.error instanceof Error);
});

test('report with no `error` listener only logs (it does not throw)', (t) => {
  const {lines, log} = createLog();
  const events = createEmitter<Events>(createListenerErrorHook(log));

  t.notThrows(() => {
    createErrorReporter<Events>({events, log})({error: new PlantonError('lost', 'LOST'), taskName: 'purge'}, 'lost it');
  });
  t.is(lines.length, 1);
});

test('a listener that throws is logged with the event name, and the next listener still runs', (t) => {
  const {lines, log} = createLog();
  const events = createEmitter<Events>(createListenerErrorHook(log));
  const received: string[] = [];

  events.on('task', () => {
    throw new Error('listener bug');
  });
  events.on('task', ({taskName}) => {
    received.push(taskName);
  });
  events.emit('task', {taskName: 'purge'});

  t.deepEqual(received, ['purge']);
  t.like(lines, [{context: {error: {message: 'listener bug', name: 'Error'}, eventName: 'task'}, message: 'an event listener threw'}]);
});

test('a listener whose promise rejects is logged like one that throws, and the next listener still runs', async (t) => {
  const {lines, log} = createLog();
  const events = createEmitter<Events>(createListenerErrorHook(log));
  const received: string[] = [];

  events.on('task', async () => {
    throw new Error('async listener bug');
  });
  events.on('task', ({taskName}) => {
    received.push(taskName);
  });
  events.emit('task', {taskName: 'purge'});

  t.deepEqual(received, ['purge']);
  await new Promise<void>((resolve) => {
    setImmediate(resolve);
  });
  t.like(lines, [{context: {error: {message: 'async listener bug', name: 'Error'}, eventName: 'task'}, message: 'an event listener threw'}]);
});
