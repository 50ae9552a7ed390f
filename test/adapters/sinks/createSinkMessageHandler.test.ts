import test from 'ava';
import {calculateBackoffDelay} from '../../../src/planton/calculateBackoffDelay.ts';
import {createSinkMessageHandler} from '../../../src/adapters/sinks/createSinkMessageHandler.ts';
import {encodeSinkMessage} from '../../../src/adapters/sinks/encodeSinkMessage.ts';
import {ExecutionNotRunningError} from '../../../src/adapters/errors.ts';
import type {SinkMessage, SinkProcessor, WorkerEvents, WorkerStore} from '../../../src/adapters/sinks/types.ts';
import type {ExecutionReference} from '../../../src/adapters/types.ts';
import {createEmitter} from '../../../src/planton/createEmitter.ts';
import {createDeferred, createManualClock, flush} from '../../helpers/createManualClock.ts';
import {until} from '../../helpers/until.ts';

type Call = {readonly method: string; readonly reference: unknown};

/**
 * An in-memory store: the executions of `running` RUNNING; `batch` adds `completeExecutions` and
 * `heartbeatExecutions`; `failing` makes its calls throw a connection error while > 0.
 */
const createFakeStore = ({batch = false, read = false, running = [1, 2, 3]}: {readonly batch?: boolean; readonly read?: boolean; readonly running?: readonly number[]} = {}) => {
  const states = new Map<number, string>(running.map((id) => [id, 'RUNNING']));
  const calls: Call[] = [];
  const control = {failing: 0};

  const idOf = (reference: ExecutionReference<number>) => {
    if (!('executionId' in reference)) {
      throw new Error('The fake store takes ids only.');
    }

    return reference.executionId;
  };

  const enter = (method: string, reference: unknown) => {
    calls.push({method, reference});

    if (control.failing > 0) {
      control.failing--;

      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {code: 'ECONNREFUSED'});
    }
  };

  const end = (reference: ExecutionReference<number>, state: string) => {
    const id = idOf(reference);

    if (states.get(id) !== 'RUNNING') {
      throw new ExecutionNotRunningError(reference);
    }

    states.set(id, state);
  };

  const store: WorkerStore<number> = {
    completeExecution: async (reference) => {
      enter('completeExecution', reference);
      end(reference, 'COMPLETED');
    },
    ...batch ? {
      completeExecutions: async (references: ReadonlyArray<ExecutionReference<number>>) => {
        enter('completeExecutions', references);

        return references.filter((reference) => {
          if (states.get(idOf(reference)) !== 'RUNNING') {
            return true;
          }

          states.set(idOf(reference), 'COMPLETED');

          return false;
        });
      },
      heartbeatExecutions: async (references: ReadonlyArray<ExecutionReference<number>>) => {
        enter('heartbeatExecutions', references);

        return references.filter((reference) => states.get(idOf(reference)) !== 'RUNNING');
      },
    } : {},
    ...read ? {
      findNotRunning: async (references: ReadonlyArray<ExecutionReference<number>>) => {
        enter('findNotRunning', references);

        return references.filter((reference) => states.get(idOf(reference)) !== 'RUNNING');
      },
    } : {},
    failExecution: async (reference) => {
      enter('failExecution', reference);
      end(reference, 'FAILED');
    },
    heartbeat: async (reference) => {
      enter('heartbeat', reference);

      if (states.get(idOf(reference)) !== 'RUNNING') {
        throw new ExecutionNotRunningError(reference);
      }
    },
  };

  return {calls, control, states, store};
};

const setUp = ({processor = () => undefined, ...storeOptions}: {readonly batch?: boolean; readonly processor?: SinkProcessor<number>; readonly read?: boolean; readonly running?: readonly number[]} = {}) => {
  const clock = createManualClock();
  const fake = createFakeStore(storeOptions);
  const events = createEmitter<WorkerEvents<number>>(() => undefined);
  const recorded: Array<{readonly name: string; readonly payload: unknown}> = [];

  for (const name of ['completed', 'error', 'failed', 'skipped'] as const) {
    events.on(name, (payload) => {
      recorded.push({name, payload});
    });
  }

  const handler = createSinkMessageHandler<number>({clock, events, heartbeatInterval: 1_000, processor, store: fake.store, storeRetry: {initialDelay: 100, maxDelay: 400}});
  const message = (executionId: number): Buffer => encodeSinkMessage({executionId, instruction: executionId * 10, taskName: 'items'});

  return {...fake, clock, handler, message, recorded};
};

const countCalls = (calls: readonly Call[], method: string) => calls.filter((call) => call.method === method).length;

test('calculateBackoffDelay doubles from initialDelay up to maxDelay', (t) => {
  const table: Array<[number, number]> = [[0, 100], [1, 200], [2, 400], [3, 800], [5, 3_200], [6, 5_000], [1_000, 5_000]];

  for (const [attempt, expected] of table) {
    t.is(calculateBackoffDelay({attempt, initialDelay: 100, maxDelay: 5_000}), expected, `attempt ${attempt}`);
  }
});

test('runs the processor once, records the completion by execution id, then acknowledges', async (t) => {
  const processed: Array<SinkMessage<number>> = [];
  const {calls, handler, message, recorded, states} = setUp({processor: (received) => {
    processed.push(received);
  }});

  t.deepEqual(await handler.handle(message(1), {redelivered: false}), {outcome: 'ACK'});
  t.deepEqual(processed, [{executionId: 1, instruction: 10, taskName: 'items'}]);
  t.deepEqual(calls, [{method: 'heartbeat', reference: {executionId: 1}}, {method: 'completeExecution', reference: {executionId: 1}}]);
  t.is(states.get(1), 'COMPLETED');
  t.deepEqual(recorded.map(({name}) => name), ['completed']);
});

test('an execution that already ended is acknowledged and not run again', async (t) => {
  let runs = 0;
  const {handler, message, recorded} = setUp({processor: () => {
    runs++;
  }, running: []});

  t.deepEqual(await handler.handle(message(1), {redelivered: true}), {outcome: 'ACK'});
  t.is(runs, 0);
  t.deepEqual(recorded, [{name: 'skipped', payload: {message: {executionId: 1, instruction: 10, taskName: 'items'}}}]);
});

test('a poison message is rejected with INVALID_SINK_MESSAGE and touches no store', async (t) => {
  const {calls, handler, recorded} = setUp();

  t.like(await handler.handle(Buffer.from('{"taskName": "items"}'), {redelivered: false}), {error: {code: 'INVALID_SINK_MESSAGE'}, outcome: 'REJECT'});
  t.deepEqual(calls, []);
  t.is(recorded.length, 1);
  t.like(recorded[0]?.payload, {error: {code: 'INVALID_SINK_MESSAGE', content: '{"taskName": "items"}'}});
});

test('handleDecoded takes a payload the broker client already decoded: same run, same refusal of a poison value', async (t) => {
  const {calls, handler, recorded, states} = setUp();

  t.deepEqual(await handler.handleDecoded({executionId: 3, instruction: 30, taskName: 'items'}, {redelivered: false}), {outcome: 'ACK'});
  t.is(states.get(3), 'COMPLETED');
  t.like(await handler.handleDecoded({instruction: {}, taskName: 'items'}, {redelivered: false}), {error: {code: 'INVALID_SINK_MESSAGE'}, outcome: 'REJECT'});
  t.like(await handler.handleDecoded(null, {redelivered: false}), {error: {code: 'INVALID_SINK_MESSAGE'}, outcome: 'REJECT'});
  t.like(recorded.at(-2)?.payload, {error: {code: 'INVALID_SINK_MESSAGE', content: '{"instruction":{},"taskName":"items"}'}});
  t.like(recorded.at(-1)?.payload, {error: {code: 'INVALID_SINK_MESSAGE', content: 'null'}});
  t.is(countCalls(calls, 'completeExecution'), 1);
});

// Found by test/fuzz/sinkMessage.test.ts: JSON.stringify threw while describing the value, and the poison message was requeued (forever).
test('handleDecoded rejects a poison value that JSON cannot hold (a bigint, a cycle) rather than requeue it', async (t) => {
  const {handler} = setUp();
  const circular: Record<string, unknown> = {taskName: 'items'};

  circular.self = circular;

  t.like(await handler.handleDecoded({instruction: 10n, taskName: 'items'}, {redelivered: false}), {error: {code: 'INVALID_SINK_MESSAGE'}, outcome: 'REJECT'});
  t.like(await handler.handleDecoded(circular, {redelivered: false}), {error: {code: 'INVALID_SINK_MESSAGE', content: 'an object'}, outcome: 'REJECT'});
});

test('a processor that throws fails the execution with its error and the message is acknowledged', async (t) => {
  const failure = new Error('boom');
  const {calls, handler, message, recorded, states} = setUp({processor: () => {
    throw failure;
  }});

  t.deepEqual(await handler.handle(message(2), {redelivered: false}), {outcome: 'ACK', processorError: {error: failure}});
  t.is(states.get(2), 'FAILED');
  t.is(countCalls(calls, 'failExecution'), 1);
  t.deepEqual(recorded, [{name: 'failed', payload: {error: failure, message: {executionId: 2, instruction: 20, taskName: 'items'}}}]);
});

test('heartbeats the execution by id every heartbeatInterval while the processor runs, and stops after', async (t) => {
  const release = createDeferred<void>();
  const {calls, clock, handler, message} = setUp({processor: async () => {
    await release.promise;
  }});
  const outcome = handler.handle(message(1), {redelivered: false});

  await until(() => countCalls(calls, 'heartbeat') === 1);
  await clock.advance(999);
  t.is(countCalls(calls, 'heartbeat'), 1);
  await clock.advance(1);
  t.is(countCalls(calls, 'heartbeat'), 2);
  await clock.advance(2_000);
  t.is(countCalls(calls, 'heartbeat'), 4);
  t.true(calls.every((call) => call.method !== 'heartbeat' || (call.reference as {executionId: number}).executionId === 1));

  release.resolve();
  t.deepEqual(await outcome, {outcome: 'ACK'});
  await clock.advance(5_000);
  t.is(countCalls(calls, 'heartbeat'), 4);
  t.is(clock.pendingTimers(), 0);
});

test('an unreachable store is retried with a growing delay, not in a loop, and the message is processed once it answers', async (t) => {
  let runs = 0;
  const {calls, clock, control, handler, message, recorded} = setUp({processor: () => {
    runs++;
  }});

  control.failing = 4;

  const outcome = handler.handle(message(1), {redelivered: false});

  await until(() => calls.length === 1);
  // Waits 100, 200, 400, 400 ms (maxDelay) between the attempts; nothing happens in between. The
  // fifth check succeeds and the completion follows at once (call 6).
  for (const [delay, expectedCalls] of [[99, 1], [1, 2], [199, 2], [1, 3], [399, 3], [1, 4], [399, 4], [1, 6]] as const) {
    await clock.advance(delay);
    t.is(calls.length, expectedCalls);
  }

  t.deepEqual(await outcome, {outcome: 'ACK'});
  t.is(runs, 1);

  const errors = recorded.filter(({name}) => name === 'error').map(({payload}) => (payload as WorkerEvents['error']).error);

  t.is(errors.length, 4);
  t.like(errors[0], {attempt: 1, code: 'WORKER_STORE_FAILED', operation: 'CHECK'});
  t.like(errors[3], {attempt: 4, code: 'WORKER_STORE_FAILED', operation: 'CHECK'});
  t.like(recorded.at(-1), {name: 'completed'});
});

test('a completion the store does not take is retried without running the processor again', async (t) => {
  let runs = 0;
  const {calls, clock, control, handler, message, states} = setUp({processor: () => {
    runs++;
    control.failing = 2;
  }});
  const outcome = handler.handle(message(1), {redelivered: false});

  await until(() => countCalls(calls, 'completeExecution') === 1);
  await clock.advance(100);
  await clock.advance(200);
  t.deepEqual(await outcome, {outcome: 'ACK'});
  t.is(runs, 1);
  t.is(countCalls(calls, 'completeExecution'), 3);
  t.is(states.get(1), 'COMPLETED');
});

test('closing while the store is unreachable gives the message back (REQUEUE)', async (t) => {
  const {calls, control, handler, message} = setUp();

  control.failing = 1_000;

  const outcome = handler.handle(message(1), {redelivered: false});

  await until(() => calls.length === 1);
  handler.close();
  t.deepEqual(await outcome, {outcome: 'REQUEUE'});
  t.is(calls.length, 1);
});

test('completions that finish together are recorded by one completeExecutions call', async (t) => {
  const release = createDeferred<void>();
  const {calls, handler, message, states} = setUp({batch: true, processor: async () => {
    await release.promise;
  }, running: [1, 2, 3, 4, 5]});
  const outcomes = Promise.all([1, 2, 3, 4, 5].map(async (id) => (await handler.handle(message(id), {redelivered: false})).outcome));

  await until(() => countCalls(calls, 'heartbeatExecutions') === 1);
  await flush();
  release.resolve();

  t.deepEqual(await outcomes, ['ACK', 'ACK', 'ACK', 'ACK', 'ACK']);
  t.is(countCalls(calls, 'heartbeatExecutions'), 1);
  t.is(countCalls(calls, 'completeExecutions'), 1);
  t.is(countCalls(calls, 'completeExecution'), 0);
  t.deepEqual([...states.values()], ['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
});

test('a batch of deliveries costs one heartbeatExecutions call, and those whose execution ended are skipped', async (t) => {
  const processed: number[] = [];
  const {calls, handler, message, recorded} = setUp({batch: true, processor: (received) => {
    processed.push(received.executionId ?? 0);
  }, running: [1, 2, 3]});
  const outcomes = await Promise.all([1, 2, 3, 4, 5].map(async (id) => (await handler.handle(message(id), {redelivered: false})).outcome));

  t.deepEqual(outcomes, ['ACK', 'ACK', 'ACK', 'ACK', 'ACK']);
  t.deepEqual(calls.filter((call) => call.method === 'heartbeatExecutions'), [
    {method: 'heartbeatExecutions', reference: [{executionId: 1}, {executionId: 2}, {executionId: 3}, {executionId: 4}, {executionId: 5}]},
  ]);
  t.is(countCalls(calls, 'heartbeat'), 0);
  t.deepEqual(processed.sort(), [1, 2, 3]);
  t.deepEqual(recorded.filter(({name}) => name === 'skipped').map(({payload}) => (payload as WorkerEvents<number>['skipped']).message.executionId).sort(), [4, 5]);
  t.is(recorded.filter(({name}) => name === 'completed').length, 3);
});

test('with findNotRunning, a batch of deliveries is checked by one reading call, not a heartbeat', async (t) => {
  const processed: number[] = [];
  const {calls, handler, message, recorded} = setUp({batch: true, processor: (received) => {
    processed.push(received.executionId ?? 0);
  }, read: true, running: [1, 2, 3]});
  const outcomes = await Promise.all([1, 2, 3, 4, 5].map(async (id) => (await handler.handle(message(id), {redelivered: false})).outcome));

  t.deepEqual(outcomes, ['ACK', 'ACK', 'ACK', 'ACK', 'ACK']);
  t.deepEqual(calls.filter((call) => call.method === 'findNotRunning'), [
    {method: 'findNotRunning', reference: [{executionId: 1}, {executionId: 2}, {executionId: 3}, {executionId: 4}, {executionId: 5}]},
  ]);
  t.is(countCalls(calls, 'heartbeatExecutions'), 0);
  t.is(countCalls(calls, 'heartbeat'), 0);
  t.deepEqual(processed.sort(), [1, 2, 3]);
  t.deepEqual(recorded.filter(({name}) => name === 'skipped').map(({payload}) => (payload as WorkerEvents<number>['skipped']).message.executionId).sort(), [4, 5]);
});

test('a heartbeatExecutions call that fails is retried with a growing delay as WORKER_STORE_FAILED CHECK, and the batch then runs', async (t) => {
  let runs = 0;
  const {calls, clock, control, handler, message, recorded} = setUp({batch: true, processor: () => {
    runs++;
  }, running: [1, 2, 3]});

  control.failing = 1;

  const outcomes = Promise.all([1, 2, 3].map(async (id) => (await handler.handle(message(id), {redelivered: false})).outcome));

  await until(() => calls.length === 1);
  t.is((calls[0]?.reference as unknown[]).length, 3);
  await clock.advance(99);
  t.is(calls.length, 1);
  t.is(runs, 0);
  await clock.advance(1);
  t.deepEqual(await outcomes, ['ACK', 'ACK', 'ACK']);
  t.is(runs, 3);

  const errors = recorded.filter(({name}) => name === 'error').map(({payload}) => (payload as WorkerEvents['error']).error);

  t.is(errors.length, 3);
  t.true(errors.every((error) => error.code === 'WORKER_STORE_FAILED' && (error as unknown as {attempt: number; operation: string}).operation === 'CHECK'));
  t.is(countCalls(calls, 'heartbeat'), 0);
});

test('heartbeats while the processor runs go through heartbeatExecutions too', async (t) => {
  const release = createDeferred<void>();
  const {calls, clock, handler, message} = setUp({batch: true, processor: async () => {
    await release.promise;
  }, running: [1, 2]});
  const outcomes = Promise.all([1, 2].map(async (id) => (await handler.handle(message(id), {redelivered: false})).outcome));

  await until(() => countCalls(calls, 'heartbeatExecutions') === 1);
  await clock.advance(1_000);
  t.is(countCalls(calls, 'heartbeat'), 0);
  // The check, then one heartbeat of each execution: batched together when they fall due at once.
  t.true(countCalls(calls, 'heartbeatExecutions') >= 2);
  t.is(calls.filter((call) => call.method === 'heartbeatExecutions').flatMap((call) => call.reference as unknown[]).length, 4);
  release.resolve();
  t.deepEqual(await outcomes, ['ACK', 'ACK']);
});

test('a redelivery of a message this worker is still processing waits for it and is then skipped', async (t) => {
  const release = createDeferred<void>();
  let runs = 0;
  const {handler, message, recorded} = setUp({processor: async () => {
    runs++;
    await release.promise;
  }});
  const first = handler.handle(message(1), {redelivered: false});

  await until(() => runs === 1);

  const second = handler.handle(message(1), {redelivered: true});

  await flush();
  t.is(runs, 1);
  release.resolve();
  t.deepEqual((await Promise.all([first, second])).map(({outcome}) => outcome), ['ACK', 'ACK']);
  t.is(runs, 1);
  t.deepEqual(recorded.map(({name}) => name), ['completed', 'skipped']);
});

test('invalid options throw INVALID_SINK_CONFIGURATION', (t) => {
  const {store} = createFakeStore();
  const events = createEmitter<WorkerEvents<number>>(() => undefined);

  t.throws(() => createSinkMessageHandler({events, heartbeatInterval: 0, processor: () => undefined, store}), {code: 'INVALID_SINK_CONFIGURATION', message: 'Expected `heartbeatInterval` to be a finite number > 0, got `0`.'});
  t.throws(() => createSinkMessageHandler({events, processor: 'no' as never, store}), {code: 'INVALID_SINK_CONFIGURATION'});
  t.throws(() => createSinkMessageHandler({events, processor: () => undefined, store: {} as never}), {code: 'INVALID_SINK_CONFIGURATION'});
});
