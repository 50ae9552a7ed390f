/**
 * summarizePostgresExecutions on a large table: the counts, and plans that read the executions
 * through indexes only. What every store's summary counts is the conformance kit's (test/testing).
 */
import test from 'ava';
import {type CommonQueryMethods, type QuerySqlToken, sql} from 'slonik';
import {z} from 'zod';
import {summarizePostgresExecutions} from '../../../src/adapters/postgres/summarizePostgresExecutions.ts';
import {useBackends} from '../../helpers/postgres.ts';
import {setUpStoreSchema} from './helpers/setUpStoreSchema.ts';

const backends = useBackends();
const empty = z.object({});

const NOW = Date.parse('2030-01-01T00:00:00Z');
const ROWS = 100_000;
const RUNNING = 20;
/** Execution i ended i × 25 s before NOW: the rows span about 29 days. */
const STEP = 25_000;
const DAY = 86_400_000;

/** What row i is (the same rule as the INSERT below). */
const stateOf = (i: number) => i <= RUNNING ? 'RUNNING' : i % 100 === 0 ? 'TERMINATED' : i % 10 === 1 ? 'FAILED' : 'COMPLETED';

type PlanNode = {readonly 'Node Type': string; readonly Plans?: readonly PlanNode[]; readonly 'Relation Name'?: string};

const findSeqScans = (node: PlanNode, relation: string): number => {
  return (node['Node Type'] === 'Seq Scan' && node['Relation Name'] === relation ? 1 : 0) + (node.Plans ?? []).reduce((sum, child) => sum + findSeqScans(child, relation), 0);
};

for (const {get, name} of backends) {
  test(`${name}: on 100 000 executions the summary counts the last 24 h, and reads the executions through indexes (EXPLAIN)`, async (t) => {
    const {backend: {pool}, createStore, schema} = await setUpStoreSchema(t, get);
    const store = await createStore();

    for (const task of ['task-0', 'task-1', 'task-2', 'task-3']) {
      await store.registerTask({name: task});
    }

    await pool.query(sql.type(empty)`
      INSERT INTO ${sql.identifier([schema, 'maintenance_task_execution'])}
        (maintenance_task_id, instruction, state, hostname, started_at, last_seen_at, ended_at, error, terminated_at, terminated_reason)
      SELECT
        t.id, to_jsonb(g.i), s.state, 'bulk', s.ended - interval '1 second', s.ended, s.ended_at,
        CASE s.state WHEN 'FAILED' THEN '{"message": "boom"}'::jsonb END,
        CASE s.state WHEN 'TERMINATED' THEN s.ended END,
        CASE s.state WHEN 'TERMINATED' THEN 'stale' END
      FROM generate_series(1, ${ROWS}) AS g(i)
      JOIN ${sql.identifier([schema, 'maintenance_task'])} t ON t.nid = 'task-' || (g.i % 4)
      CROSS JOIN LATERAL (
        SELECT
          CASE WHEN g.i <= ${RUNNING} THEN 'RUNNING' WHEN g.i % 100 = 0 THEN 'TERMINATED' WHEN g.i % 10 = 1 THEN 'FAILED' ELSE 'COMPLETED' END AS state,
          to_timestamp((${NOW} - g.i::float8 * ${STEP}) / 1000) AS ended,
          CASE WHEN g.i <= ${RUNNING} THEN NULL ELSE to_timestamp((${NOW} - g.i::float8 * ${STEP}) / 1000) END AS ended_at
      ) s
    `);
    await pool.query(sql.type(empty)`ANALYZE ${sql.identifier([schema, 'maintenance_task_execution'])}`);

    const since = new Date(NOW - DAY);
    const expected = new Map(['task-0', 'task-1', 'task-2', 'task-3'].map((taskName) => [taskName, {completed: 0, failed: 0, running: 0, terminated: 0}]));

    for (let i = 1; i <= ROWS; i++) {
      const counts = expected.get(`task-${i % 4}`);
      const state = stateOf(i);

      if (counts !== undefined && (state === 'RUNNING' || NOW - i * STEP >= since.getTime())) {
        counts[state === 'RUNNING' ? 'running' : state === 'COMPLETED' ? 'completed' : state === 'FAILED' ? 'failed' : 'terminated']++;
      }
    }

    const summary = await summarizePostgresExecutions({connection: pool, recentLimit: 3, schema, since});

    t.deepEqual(summary.tasks.map(({completed, failed, running, taskName, terminated}) => ({completed, failed, running, taskName, terminated})), [...expected].map(([taskName, counts]) => ({...counts, taskName})));
    t.is(summary.reaper.terminated, [...expected.values()].reduce((sum, counts) => sum + counts.terminated, 0));
    t.deepEqual(summary.reaper.recent.map(({executionId, taskName, terminatedAt}) => ({executionId, taskName, terminatedAt: terminatedAt.getTime()})), [100, 200, 300].map((i) => ({executionId: i, taskName: `task-${i % 4}`, terminatedAt: NOW - i * STEP})));
    t.is(summary.tasks[0]?.lastTerminatedAt?.getTime(), NOW - 100 * STEP, 'task-0 has i = 100, 200, …');

    // The same statements, explained: none scans maintenance_task_execution whole.
    const plans: PlanNode[] = [];
    const explaining = {
      any: async (query: QuerySqlToken) => {
        const [row] = await pool.any({...query, sql: `EXPLAIN (FORMAT JSON) ${query.sql}`});

        plans.push(...(row as {readonly 'QUERY PLAN': ReadonlyArray<{readonly Plan: PlanNode}>})['QUERY PLAN'].map((entry) => entry.Plan));

        return [];
      },
    } as unknown as CommonQueryMethods;

    await summarizePostgresExecutions({connection: explaining, schema, since});
    t.is(plans.length, 2);
    t.log(JSON.stringify(plans).match(/"(Node Type|Index Name)":"[^"]*"/gu)?.join(" "));

    for (const plan of plans) {
      t.is(findSeqScans(plan, 'maintenance_task_execution'), 0, JSON.stringify(plan));
    }
  });

  test(`${name}: a schema without the store's tables rejects, and invalid input gets INVALID_STORE_CONFIGURATION`, async (t) => {
    const {pool} = await get();

    await t.throwsAsync(summarizePostgresExecutions({connection: pool, schema: 'planton_no_such_schema', since: new Date(NOW)}), {message: /planton_no_such_schema/u});
    await t.throwsAsync(summarizePostgresExecutions({connection: pool, schema: '', since: new Date(NOW)}), {code: 'INVALID_STORE_CONFIGURATION'});
    await t.throwsAsync(summarizePostgresExecutions({connection: pool, since: 'yesterday' as never}), {code: 'INVALID_STORE_CONFIGURATION'});
  });
}
