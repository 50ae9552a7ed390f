import {defineClaimTests} from './dispatch/defineClaimTests.ts';
import {defineEndTests} from './dispatch/defineEndTests.ts';
import {defineRecoveryTests} from './dispatch/defineRecoveryTests.ts';
import {defineSummaryTests} from './dispatch/defineSummaryTests.ts';
import {defineUnreachableTest} from './defineUnreachableTest.ts';
import type {DefineDispatchStoreTestsConfiguration} from './types.ts';

/**
 * Registers the dispatch store contract's tests (`DispatchStore` of `planton`'s adapters: what
 * `createPlanton`, the processor and the sinks rely on) with the caller's test runner. A new store
 * is done when they pass. Each test gets a fresh database from `createStore` and a manual clock;
 * titles start with `<name>: `. See docs/testing.md for what each test checks.
 */
export const defineDispatchStoreTests = <Claim>({createStore, createUnreachableStore, name, test, unreachableCode = 'STORE_UNREACHABLE'}: DefineDispatchStoreTestsConfiguration<Claim>): void => {
  const title = (text: string) => `${name}: ${text}`;

  defineClaimTests(test, title, createStore);
  defineEndTests(test, title, createStore);
  defineRecoveryTests(test, title, createStore);
  defineSummaryTests(test, title, createStore);

  if (createUnreachableStore !== undefined) {
    defineUnreachableTest(test, title('a store that cannot reach its database rejects with a coded error, the driver\'s error as cause'), createUnreachableStore, unreachableCode);
  }
};
