import {randomUUID} from 'node:crypto';

/** A fresh schema, database or file name for one measurement: `bench_stores_` and 12 hex digits. */
export const createBenchName = (): string => `bench_stores_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
