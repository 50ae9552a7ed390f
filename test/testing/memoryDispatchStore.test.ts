import test from 'ava';
import {createMemoryDispatchDatabase, createMemoryStore, type MemoryClaim} from '../../src/adapters/memory/index.ts';
import {createPlanton} from '../../src/index.ts';
import {defineDispatchStoreTests, until} from '../../src/testing/index.ts';

defineDispatchStoreTests<MemoryClaim<string>>({
  createStore: async ({clock}) => {
    const database = createMemoryDispatchDatabase();
    const pending: string[] = [];
    const openStore = async () => createMemoryStore<string>({clock, database, heartbeatInterval: 3_600_000, reaperInterval: 0});

    return {
      addInstructions: async (instructions) => {
        pending.push(...instructions);
      },
      claim: ({isActiveInstruction, limit}) => pending.filter((instruction) => !isActiveInstruction(instruction)).slice(0, limit),
      claimEvery: () => [...pending],
      cleanup: async () => undefined,
      openStore,
      store: await openStore(),
    };
  },
  name: 'memory',
  test,
});

test('memory: createMemoryStore rejects an invalid configuration with a coded error', (t) => {
  t.throws(() => createMemoryStore({heartbeatInterval: 0}), {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `heartbeatInterval` to be a finite number > 0, got `0`.'});
  t.throws(() => createMemoryStore({reaperInterval: -1}), {code: 'INVALID_STORE_CONFIGURATION'});
});

test('memory: createPlanton on two memory stores sharing a database dispatches each instruction once, within the concurrency', async (t) => {
  const database = createMemoryDispatchDatabase();
  const work = Array.from({length: 200}, (_value, index) => index);
  const done = new Set<number>();
  const dispatched: number[] = [];
  let running = 0;
  let maximum = 0;
  const engines = [createMemoryStore<number>({database}), createMemoryStore<number>({database})].map((store) => {
    const planton = createPlanton<number>({
      getActiveTaskInstructions: store.getActiveTaskInstructions,
      tasks: [{
        calculateDelay: () => 0,
        concurrency: 5,
        name: 'items',
        schedule: store.createSchedule(({isActiveInstruction, limit}) => work.filter((id) => !done.has(id) && !isActiveInstruction(id)).slice(0, limit)),
      }],
    });

    planton.events.on('task', (event) => {
      dispatched.push(event.instruction);
      running++;
      maximum = Math.max(maximum, running);
      setImmediate(() => {
        done.add(event.instruction);
        running--;
        void store.completeExecution(event);
      });
    });

    return {planton, store};
  });

  t.teardown(async () => {
    await Promise.all(engines.map(async ({planton, store}) => {
      await planton.terminate();
      await store.terminate();
    }));
  });

  await until(() => done.size === work.length);
  t.is(dispatched.length, work.length, 'no instruction dispatched twice');
  t.true(maximum <= 5, `${maximum} running at once`);
});
