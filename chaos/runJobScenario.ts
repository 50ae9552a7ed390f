import {setTimeout as delay} from 'node:timers/promises';
import {sql} from 'slonik';
import {z} from 'zod';
import {createPostgresSchedulerStore, createScheduler} from '../src/scheduler/index.ts';
import {countJobs} from './countJobs.ts';
import {injectFault} from './injectFault.ts';
import {judge} from './judge.ts';
import {describeFault} from './scenarios.ts';
import {startChildren} from './startChildren.ts';
import type {ChaosContext, Scenario, ScenarioResult} from './types.ts';
import {createJobTables} from './workload.ts';

/** How long a job's processor works (after recording its run), so a kill finds jobs running. */
const JOB_HANDLER_MS = 300;

/**
 * One job scenario: `timing.tasks` schedules of one job a second (misfire 'all', 3 attempts 100 ms
 * apart) served by scheduler instances in child processes, one fault, then the count of the jobs of
 * the slots in the load window.
 */
export const runJobScenario = async (scenario: Scenario, context: ChaosContext): Promise<ScenarioResult> => {
  const {timing} = context;
  const postgres = await context.getServer('postgres');
  const pool = await context.getPool();
  const schema = `chaos_${scenario.name.replaceAll('-', '_')}_${Date.now().toString(36)}`;

  await createJobTables(pool, schema);

  // The schedules, written once by a scheduler that then leaves (it gives back what it claimed).
  const setup = await createScheduler({store: await createPostgresSchedulerStore({pool, schema}), terminateTimeout: 0});

  for (let index = 0; index < timing.tasks; index++) {
    await setup.schedule({
      misfire: 'all',
      name: `task-${index}`,
      retry: {attempts: 3, backoff: {delay: 100, type: 'fixed'}},
      schedule: '1s',
      timeout: timing.jobTimeoutMs,
    });
  }

  await setup.terminate();

  const errors: Record<string, number> = {};
  const instances = await startChildren({
    cleanup: context.cleanup,
    count: scenario.processes,
    environment: {CHAOS_DATABASE_URL: postgres.url, CHAOS_HANDLER_MS: String(JOB_HANDLER_MS), CHAOS_SCHEMA: schema},
    errors,
    name: 'schedulerInstance',
  });
  // Whole seconds: the slots of a '1s' schedule fall on them.
  const windowStart = Math.ceil((Date.now() + 1_000) / 1_000) * 1_000;

  await delay(windowStart + timing.faultAtMs - Date.now());

  const fault = await injectFault(scenario.fault, {
    context,
    isHolding: async (pid) => await pool.exists(sql.type(z.object({}))`
      SELECT 1 FROM ${sql.identifier([schema, 'scheduled_job'])} WHERE state = 'RUNNING' AND worker LIKE ${`%:${pid}:%`}
    `),
    processes: instances,
    proxy: null,
    workers: null,
  });

  await delay(Math.max(0, windowStart + timing.loadMs - Date.now()));

  const windowEnd = Math.floor(Date.now() / 1_000) * 1_000;
  const drainDeadline = Date.now() + timing.drainMs;
  const countOpen = async () => await pool.oneFirst(sql.type(z.object({count: z.number()}))`
    SELECT count(*)::int4 AS count FROM ${sql.identifier([schema, 'scheduled_job'])}
    WHERE scheduled_for >= to_timestamp(${windowStart / 1_000}) AND scheduled_for < to_timestamp(${windowEnd / 1_000})
      AND state NOT IN ('DONE', 'ERROR', 'CANCELED')
  `);

  while (Date.now() < drainDeadline && await countOpen().catch(() => -1) !== 0) {
    await delay(250);
  }

  const counts = await countJobs(pool, {faultEndedAt: fault.faultEndedAt, killedPids: fault.killedPids, schema, tasks: timing.tasks, windowEnd, windowStart});

  await instances.killAll();

  const notes = [...fault.notes, `${counts.runs} run(s) recorded for ${counts.produced} job(s)`];

  if (counts.missingSlots > 0) {
    notes.push(`${counts.missingSlots} slot(s) of the window got no job`);
  }

  return judge(scenario, context, {
    atLeastOnceCases: counts.atLeastOnceCases,
    catchUpMs: counts.catchUpMs,
    completed: counts.completed,
    downMs: fault.downMs,
    errors,
    fault: describeFault(scenario),
    lost: counts.produced - counts.completed + counts.missingSlots,
    notes,
    produced: counts.produced,
    recoveryMs: counts.recoveryMs,
    twiceCases: counts.twiceCases,
  });
};
