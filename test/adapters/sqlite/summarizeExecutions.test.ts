/**
 * The SQLite store's summarizeExecutions on 100 000 executions: the counts, and query plans that
 * read the ended executions through the covering index of store migration 2, never the whole table.
 * What every store's summary counts is the conformance kit's (test/testing).
 */
import {DatabaseSync} from 'node:sqlite';
import test from 'ava';
import {summarizeSqliteExecutions} from '../../../src/adapters/sqlite/summarizeSqliteExecutions.ts';
import {createSqliteStore} from '../../../src/adapters/sqlite/createSqliteStore.ts';
import {createSqliteTables} from '../../../src/adapters/sqlite/createSqliteTables.ts';

test('on 100 000 executions the summary counts the ends since a time through the ended_at index (EXPLAIN QUERY PLAN)', async (t) => {
  const database = new DatabaseSync(':memory:');
  const store = await createSqliteStore({database, reaperInterval: 0});

  t.teardown(async () => {
    await store.terminate();
    database.close();
  });
  await store.registerTask({name: 'rows'});
  // Execution i ended at i ms: every 100th TERMINATED, every 10th other FAILED, the rest COMPLETED.
  database.exec(`
    WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 100000)
    INSERT INTO planton_maintenance_task_execution
      (maintenance_task_id, instruction, state, hostname, started_at, last_seen_at, ended_at, error, terminated_at, terminated_reason, created_at)
    SELECT
      1, i, CASE WHEN i % 100 = 0 THEN 'TERMINATED' WHEN i % 10 = 0 THEN 'FAILED' ELSE 'COMPLETED' END, 'bulk', i, i, i,
      CASE WHEN i % 100 <> 0 AND i % 10 = 0 THEN '{}' END, CASE WHEN i % 100 = 0 THEN i END, CASE WHEN i % 100 = 0 THEN 'stale' END, i
    FROM g
  `);
  database.exec('ANALYZE');

  const summary = await store.summarizeExecutions({recentLimit: 2, since: new Date(99_001)});

  t.like(summary.tasks[0], {completed: 900, failed: 90, running: 0, taskName: 'rows', terminated: 10});
  t.deepEqual(summary.reaper.recent.map(({executionId}) => executionId), [100_000, 99_900]);

  const plans: string[] = [];
  const explaining = {
    prepare: (text: string) => {
      plans.push(database.prepare(`EXPLAIN QUERY PLAN ${text}`).all(0).map((row) => String(row.detail)).join('\n'));

      return database.prepare(text);
    },
  } as unknown as DatabaseSync;

  summarizeSqliteExecutions(explaining, createSqliteTables('planton_'), {recentLimit: 2, since: 99_001});
  t.is(plans.length, 2);
  t.regex(plans[0] ?? '', /SEARCH planton_maintenance_task_execution USING COVERING INDEX planton_maintenance_task_execution_ended_at_idx \(ended_at>\?\)/u);

  for (const plan of plans) {
    t.notRegex(plan, /SCAN planton_maintenance_task_execution(?! USING INDEX planton_maintenance_task_execution_active_idx)/u, plan);
    t.notRegex(plan, /SCAN e\b/u, plan);
  }
});
