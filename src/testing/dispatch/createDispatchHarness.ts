import type {DispatchStore} from '../../adapters/types.ts';
import {createManualClock, type ManualClock} from '../createManualClock.ts';
import type {DefineDispatchStoreTestsConfiguration, DispatchStoreFixture, KitAssertions} from '../types.ts';

/** 2030-01-01T00:00:00Z: where every dispatch test's clock starts. */
export const DISPATCH_START = Date.parse('2030-01-01T00:00:00Z');

/** What each dispatch test works with: the fixture, its clock, stores that are terminated afterwards. */
export type DispatchHarness<Claim> = {
  /** Claims with the fixture's `claim` through `store`. */
  readonly claim: (store: DispatchStore<string, Claim>, configuration: {readonly limit: number; readonly taskName: string}) => ReturnType<DispatchStore<string, Claim>['claimExecutions']>;
  readonly clock: ManualClock;
  readonly fixture: DispatchStoreFixture<Claim>;
  /** Another store on the test's database (another process); terminated at teardown. */
  readonly openStore: () => Promise<DispatchStore<string, Claim>>;
  readonly store: DispatchStore<string, Claim>;
};

/** Per test: a fresh database from the caller's `createStore`, a manual clock, and the teardown of all it opened. */
export const createDispatchHarness = async <Claim>(t: KitAssertions, createStore: DefineDispatchStoreTestsConfiguration<Claim>['createStore']): Promise<DispatchHarness<Claim>> => {
  const clock = createManualClock(DISPATCH_START);
  const fixture = await createStore({clock});
  const stores: Array<DispatchStore<string, Claim>> = [fixture.store];

  t.teardown(async () => {
    try {
      await Promise.all(stores.map(async (store) => {
        await store.terminate();
      }));
    } finally {
      await fixture.cleanup();
    }
  });

  return {
    claim: async (store, {limit, taskName}) => await store.claimExecutions({claim: fixture.claim, limit, taskName}),
    clock,
    fixture,
    openStore: async () => {
      const store = await fixture.openStore();

      stores.push(store);

      return store;
    },
    store: fixture.store,
  };
};

/** The instructions of claimed executions, sorted (claims across stores come back in any order). */
export const sortedInstructions = (executions: ReadonlyArray<{readonly instruction: string}>) => executions.map((execution) => execution.instruction).sort();
