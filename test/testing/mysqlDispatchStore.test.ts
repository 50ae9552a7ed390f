/** The dispatch store kit on MySQL/MariaDB, when PLANTON_TEST_MYSQL_URL is set: a fresh database per test, each store with a pool of its own. */
import test from 'ava';
import {createPool, type Pool} from 'mysql2/promise';
import {createMysqlStore} from '../../src/adapters/mysql/createMysqlStore.ts';
import type {MysqlClaim, MysqlStore} from '../../src/adapters/mysql/types.ts';
import {defineDispatchStoreTests} from '../../src/testing/index.ts';
import {withPort} from '../adapters/sinks/helpers/withPort.ts';
import {findFreePort} from '../helpers/findFreePort.ts';
import {createMysqlName, createTestPool} from '../helpers/mysql.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';

requireEnvironment({skipTitle: 'mysql: the dispatch store kit needs PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const admin = createTestPool(url);

  defineDispatchStoreTests<MysqlClaim<string>>({
    createStore: async ({clock}) => {
      const database = createMysqlName();
      const table = `\`${database}\`.kit_instruction`;
      const pools: Pool[] = [];
      const open = async (): Promise<MysqlStore<string>> => {
        const pool = createPool({connectionLimit: 3, uri: url});

        pools.push(pool);

        return await createMysqlStore<string>({clock, database, heartbeatInterval: 3_600_000, pollInterval: 0, pool, reaperInterval: 0});
      };
      const store = await open();

      await admin.query(`CREATE TABLE ${table} (position INT NOT NULL AUTO_INCREMENT PRIMARY KEY, instruction VARCHAR(700) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL UNIQUE) ENGINE=InnoDB`);

      return {
        addInstructions: async (instructions) => {
          for (const instruction of instructions) {
            await admin.query(`INSERT INTO ${table} (instruction) VALUES (?)`, [instruction]);
          }
        },
        claim: ({isActiveInstruction, limit}) => ({
          sql: `SELECT i.instruction FROM ${table} i WHERE NOT ${isActiveInstruction('i.instruction')} ORDER BY i.position LIMIT ? FOR UPDATE SKIP LOCKED`,
          values: [limit],
        }),
        claimEvery: () => ({sql: `SELECT instruction FROM ${table} ORDER BY position`}),
        cleanup: async () => {
          await Promise.all(pools.map(async (pool) => {
            await pool.end();
          }));
          await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
        },
        openStore: open,
        store,
      };
    },
    createUnreachableStore: async () => {
      const pool = createPool({uri: withPort(url, await findFreePort())});

      try {
        return await createMysqlStore({pool});
      } finally {
        await pool.end();
      }
    },
    name: 'mysql',
    test,
  });
});
