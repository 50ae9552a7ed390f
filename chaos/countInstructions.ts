import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import type {AtLeastOnceCase} from './types.ts';

const run = z.object({executionId: z.number().nullable(), pid: z.number(), state: z.string().nullable()});

export type InstructionCounts = {
  readonly atLeastOnceCases: readonly AtLeastOnceCase[];
  readonly completed: number;
  readonly produced: number;
  readonly reaped: number;
  /** The executions at the end, by state. */
  readonly executions: Readonly<Record<string, number>>;
  readonly recoveryMs: number | null;
  readonly catchUpMs: number | null;
  readonly twiceCases: readonly AtLeastOnceCase[];
};

/**
 * Why an item ran again after `earlier`, when the project documents it (work runs at least once);
 * null when it does not.
 */
const explain = (earlier: z.infer<typeof run>, later: z.infer<typeof run>, {brokerRestart, killedPids}: {readonly brokerRestart: boolean; readonly killedPids: ReadonlySet<number>}): string | null => {
  if (killedPids.has(earlier.pid)) {
    return 'its first runner was killed before it recorded the outcome (redelivered or reclaimed)';
  }

  if (earlier.executionId !== later.executionId && (earlier.state === 'FAILED' || earlier.state === 'TERMINATED')) {
    return `its first execution ended ${earlier.state}: the outcome was not recorded, so it was claimed again`;
  }

  if (brokerRestart && earlier.executionId === later.executionId) {
    return 'the broker redelivered it after the connection loss (delivery is at least once)';
  }

  return null;
};

/** Counts, from the database, what a scenario's items became: produced, done, duplicated (documented or not), reaped. */
export const countInstructions = async (pool: DatabasePool, {brokerRestart, faultEndedAt, faultStartedAt, killedPids, schema}: {
  readonly brokerRestart: boolean;
  readonly faultEndedAt: number;
  readonly faultStartedAt: number;
  readonly killedPids: ReadonlySet<number>;
  readonly schema: string;
}): Promise<InstructionCounts> => {
  const item = sql.identifier([schema, 'item']);
  const totals = await pool.one(sql.type(z.object({completed: z.number(), produced: z.number()}))`
    SELECT count(*)::int4 AS produced, count(done_at)::int4 AS completed FROM ${item}
  `);
  const duplicates = await pool.any(sql.type(z.object({itemId: z.number(), runs: z.array(run)}))`
    SELECT r.item_id AS "itemId", json_agg(json_build_object('executionId', r.execution_id, 'pid', r.pid, 'state', e.state) ORDER BY r.id) AS runs
    FROM ${sql.identifier([schema, 'item_run'])} r
    LEFT JOIN ${sql.identifier([schema, 'maintenance_task_execution'])} e ON e.id = r.execution_id
    GROUP BY r.item_id
    HAVING count(*) > 1
    ORDER BY r.item_id
  `);
  const reaped = await pool.oneFirst(sql.type(z.object({count: z.number()}))`
    SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'maintenance_task_execution'])} WHERE state = 'TERMINATED'
  `);
  /** From the fault's end until every item created by `createdBy` is done; null when some never were. */
  const measureFrom = async (createdBy: number): Promise<number | null> => {
    const {lastDoneAt, open} = await pool.one(sql.type(z.object({lastDoneAt: z.number().nullable(), open: z.number()}))`
      SELECT
        (extract(epoch FROM max(done_at)) * 1000)::float8 AS "lastDoneAt",
        count(*) FILTER (WHERE done_at IS NULL)::int4 AS open
      FROM ${item}
      WHERE created_at <= to_timestamp(${createdBy / 1_000})
    `);

    return open > 0 ? null : Math.max(0, Math.round((lastDoneAt ?? faultEndedAt) - faultEndedAt));
  };
  const recoveryMs = await measureFrom(faultStartedAt);
  const catchUpMs = await measureFrom(faultEndedAt);
  const states = await pool.any(sql.type(z.object({count: z.number(), state: z.string()}))`
    SELECT state, count(*)::int4 AS count FROM ${sql.identifier([schema, 'maintenance_task_execution'])} GROUP BY state ORDER BY state
  `);
  const atLeastOnceCases: AtLeastOnceCase[] = [];
  const twiceCases: AtLeastOnceCase[] = [];

  for (const {itemId, runs} of duplicates) {
    const reasons = runs.slice(1).map((later, index) => explain(runs[index]!, later, {brokerRestart, killedPids}));

    if (reasons.every((reason) => reason !== null)) {
      atLeastOnceCases.push({id: itemId, reason: [...new Set(reasons)].join('; '), runs: runs.length});
    } else {
      twiceCases.push({id: itemId, reason: `runs: ${JSON.stringify(runs)}`, runs: runs.length});
    }
  }

  return {
    atLeastOnceCases,
    completed: totals.completed,
    executions: Object.fromEntries(states.map(({count, state}) => [state, count])),
    produced: totals.produced,
    reaped,
    catchUpMs,
    recoveryMs,
    twiceCases,
  };
};
