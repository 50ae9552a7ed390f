export {createMemoryDispatchDatabase} from './createMemoryDispatchDatabase.ts';
export type {MemoryDispatchDatabase} from './createMemoryDispatchDatabase.ts';
export {createMemoryStore} from './createMemoryStore.ts';
export type {MemoryClaim, MemoryClaimContext, MemoryStore, MemoryStoreConfiguration} from './types.ts';
