import type {StoreBackend, StoreName} from '../types.ts';
import {mariadbBackend} from './mariadb.ts';
import {pgliteBackend, postgresBackend} from './postgres.ts';
import {sqliteBackend} from './sqlite.ts';

/** Every store bench/stores compares, by the name its lines carry. */
export const storeBackends: Readonly<Record<StoreName, StoreBackend>> = {mariadb: mariadbBackend, pglite: pgliteBackend, postgres: postgresBackend, sqlite: sqliteBackend};

export const isStoreName = (name: string): name is StoreName => Object.hasOwn(storeBackends, name);
