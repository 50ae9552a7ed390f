/**
 * The conformance kit's fixtures on PostgreSQL (a server or PGlite): a fresh schema per test holding
 * the store's tables and a table of the kit's instructions, stores on it, and a pool that cannot
 * reach the server (shared with the scheduler run of test/testing).
 */
import {createPool, type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresClaim, PostgresStore} from '../../../src/adapters/postgres/types.ts';
import type {DefineDispatchStoreTestsConfiguration} from '../../../src/testing/index.ts';
import {withPort} from '../../adapters/sinks/helpers/withPort.ts';
import {createTcpProxy} from '../../helpers/createTcpProxy.ts';
import {type BackendHandle, createSchemaName, dropSchema} from '../../helpers/postgres.ts';

const empty = z.object({});

/** The kit's `createStore` on `backend`: stores on one schema, each with a pool of its own on a server (as processes have). */
export const createPostgresDispatchFixtures = (backend: BackendHandle): DefineDispatchStoreTestsConfiguration<PostgresClaim<string>>['createStore'] => {
  return async ({clock}) => {
    const {connectionUri, createListener, pool} = await backend.get();
    const schema = createSchemaName();
    const table = sql.identifier([schema, 'kit_instruction']);
    const listener = createListener();
    const pools: DatabasePool[] = [];
    const open = async (storePool: DatabasePool): Promise<PostgresStore<string>> => await createPostgresStore<string>({clock, heartbeatInterval: 3_600_000, listener, pool: storePool, reaperInterval: 0, schema});
    const store = await open(pool);

    await pool.query(sql.type(empty)`CREATE TABLE ${table} (position serial PRIMARY KEY, instruction text NOT NULL UNIQUE)`);

    return {
      addInstructions: async (instructions) => {
        for (const instruction of instructions) {
          await pool.query(sql.type(empty)`INSERT INTO ${table} (instruction) VALUES (${instruction})`);
        }
      },
      claim: ({isActiveInstruction, limit}) => sql.type(z.object({instruction: z.string()}))`
        SELECT i.instruction FROM ${table} i
        WHERE NOT ${isActiveInstruction(sql.fragment`i.instruction`)}
        ORDER BY i.position
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      `,
      claimEvery: () => sql.type(z.object({instruction: z.string()}))`SELECT instruction FROM ${table} ORDER BY position`,
      cleanup: async () => {
        await listener.terminate();
        await Promise.all(pools.map(async (each) => {
          await each.end();
        }));
        await dropSchema(pool, schema);
      },
      openStore: async () => {
        if (connectionUri === null) {
          return await open(pool);
        }

        const own = await createPool(connectionUri, {maxPoolSize: 2});

        pools.push(own);

        return await open(own);
      },
      store,
    };
  };
};

/**
 * Calls `create` with a pool on a server that went away (a proxy that refuses every connection,
 * after the pool was created through it: slonik's createPool connects once), and closes both after.
 */
export const withUnreachableServer = async <Result>(connectionUri: string, create: (pool: DatabasePool) => Promise<Result>): Promise<Result> => {
  const address = new URL(connectionUri);
  const proxy = await createTcpProxy({host: address.hostname, port: Number(address.port || 5432)});
  const pool = await createPool(withPort(connectionUri, proxy.port), {maxPoolSize: 2});

  proxy.setAvailable(false);

  try {
    return await create(pool);
  } finally {
    await pool.end();
    await proxy.close();
  }
};
