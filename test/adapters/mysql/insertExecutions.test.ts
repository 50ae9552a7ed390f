/**
 * insertExecutions both ways: with INSERT … RETURNING (MariaDB) and with the INSERT then a read by
 * the primary key from its insertId (MySQL, which has no RETURNING). Either returns what this call
 * recorded, in id order, and leaves out an instruction that another claim has RUNNING.
 */
import test from 'ava';
import {createMysqlTables} from '../../../src/adapters/mysql/createMysqlTables.ts';
import {insertExecutions} from '../../../src/adapters/mysql/queries/index.ts';
import {supportsInsertReturning} from '../../../src/adapters/mysql/supportsInsertReturning.ts';
import {createTestPool} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {setUpMysqlStore} from './helpers/setUpMysqlStore.ts';

requireEnvironment({skipTitle: 'mysql: the insertExecutions tests need PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (url) => {
  const pool = createTestPool(url, 4);

  for (const returning of [false, true]) {
    test(`insertExecutions (returning: ${String(returning)}) returns the executions it recorded, not another claim's duplicates`, async (t) => {
      if (returning && !await supportsInsertReturning(pool)) {
        t.pass('the server has no INSERT … RETURNING');

        return;
      }

      const {createStore, database} = setUpMysqlStore(t, pool);
      const store = await createStore();

      await store.registerTask({name: 'items'});

      const tables = createMysqlTables({database, tablePrefix: 'planton_'});
      const [task] = await pool.query(`SELECT id FROM \`${database}\`.planton_maintenance_task`) as unknown as [Array<{readonly id: number}>];
      const taskId = Number(task[0]?.id);
      const common = {hostname: 'h', now: 1, returning, taskId};
      const first = await insertExecutions(pool, tables, {...common, instructions: [1, 2, 3], token: 'first'});
      const second = await insertExecutions(pool, tables, {...common, instructions: [3, 'a', 1, 4], token: 'second'});
      const none = await insertExecutions(pool, tables, {...common, instructions: [2, 4], token: 'third'});

      t.deepEqual(first.map(({instruction}) => instruction), [1, 2, 3]);
      t.deepEqual(second.map(({instruction}) => instruction), ['a', 4]);
      t.true((second[0]?.id ?? 0) > (first[2]?.id ?? Infinity));
      t.deepEqual(none, []);
    });
  }
});
