export * from './attemptQueries.ts';
export * from './jobQueries.ts';
export * from './lockQueries.ts';
export * from './logQueries.ts';
export * from './taskQueries.ts';
export * from './historyQueries.ts';
export * from './statsQueries.ts';
