export * from './endQueries.ts';
export * from './executionQueries.ts';
export * from './retryQueries.ts';
export * from './taskQueries.ts';
