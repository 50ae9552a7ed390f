import test from 'ava';
import {createMemoryDispatchDatabase, createMemoryStore, type MemoryClaim} from '../../src/adapters/memory/index.ts';
import {defineDispatchStoreTests} from '../../src/testing/index.ts';

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
