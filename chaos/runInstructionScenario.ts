import {setTimeout as delay} from 'node:timers/promises';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../src/adapters/postgres/index.ts';
import {countInstructions} from './countInstructions.ts';
import {type ClaimCutProxy, createClaimCutProxy} from './createClaimCutProxy.ts';
import {injectFault} from './injectFault.ts';
import {judge} from './judge.ts';
import {describeFault} from './scenarios.ts';
import {startChildren} from './startChildren.ts';
import type {Broker, ChaosContext, Scenario, ScenarioResult, ServerName} from './types.ts';
import {CLAIM_MARKER, TASK_NAME, countOpenItems, createInstructionTables, insertItems} from './workload.ts';

/** The tasks' `retryDelay`: the wait before a reaped or failed instruction is claimed again. */
export const RETRY_DELAY_MS = 250;

const BROKER_SERVERS: Readonly<Record<Broker, ServerName>> = {bullmq: 'redis', nats: 'nats', rabbitmq: 'rabbitmq'};

/** Inserts `rate` items a second, in batches every 100 ms; a batch that fails (the server is away) is inserted again with the next. */
const startFeeder = (pool: DatabasePool, schema: string, rate: number) => {
  const startedAt = Date.now();
  let inserted = 0;
  let stopped = false;

  const insertDue = async () => {
    const due = Math.floor((Date.now() - startedAt) / 1_000 * rate);

    if (due > inserted) {
      await insertItems(pool, {from: inserted + 1, schema, to: due});
      inserted = due;
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await insertDue().catch(() => undefined);
      await delay(100);
    }

    // The last batch, retried until the server takes it.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await insertDue();

        return;
      } catch {
        await delay(200);
      }
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
};

/** One instruction scenario: dispatchers (and sink workers) under a steady feed of items, one fault, then the count. */
export const runInstructionScenario = async (scenario: Scenario, context: ChaosContext): Promise<ScenarioResult> => {
  const {timing} = context;
  const postgres = await context.getServer('postgres');
  const pool = await context.getPool();
  const schema = `chaos_${scenario.name.replaceAll('-', '_')}_${Date.now().toString(36)}`;

  await createInstructionTables(pool, schema);

  // Planton's tables, the task (its reaper timeout) and the wake-up trigger, before any process starts.
  const setup = await createPostgresStore<number>({pool, reaperInterval: 0, schema});

  // Tuned as the reaper timeout is: a reaped or failed execution counts a failed attempt, and its
  // instruction waits out `retryDelay` (1 s by default) before a claim takes it again.
  await setup.registerTask({maxExecutionDuration: timing.reaperTimeoutMs, name: TASK_NAME, retryDelay: RETRY_DELAY_MS});
  await setup.installNotifyTrigger({table: [schema, 'item'], taskName: TASK_NAME});
  await setup.terminate();

  const broker = scenario.broker ?? null;
  const brokerServer = broker === null ? null : await context.getServer(BROKER_SERVERS[broker]);
  let proxy: ClaimCutProxy | null = null;

  if (scenario.fault.type === 'cut') {
    const created = await createClaimCutProxy({marker: CLAIM_MARKER, target: {host: '127.0.0.1', port: postgres.port}});

    proxy = created;
    context.cleanup.add('claim cut proxy', created.close);
  }

  const environment = {
    CHAOS_BROKER: broker ?? 'processor',
    CHAOS_BROKER_URL: brokerServer?.url ?? '',
    CHAOS_DATABASE_URL: postgres.url,
    CHAOS_HANDLER_MS: '200',
    CHAOS_QUEUE: schema,
    CHAOS_SCHEMA: schema,
  };
  const errors: Record<string, number> = {};
  const workers = broker === null ? null : await startChildren({cleanup: context.cleanup, count: scenario.workers ?? 1, environment, errors, name: 'sinkWorker'});
  const dispatchers = await startChildren({
    cleanup: context.cleanup,
    count: scenario.processes,
    environment: {...environment, CHAOS_DATABASE_URL: proxy === null ? postgres.url : `postgres://postgres@127.0.0.1:${proxy.port}/chaos`},
    errors,
    name: 'dispatcher',
  });
  const loadStartedAt = Date.now();
  const feeder = startFeeder(pool, schema, timing.rate);

  await delay(timing.faultAtMs);

  const fault = await injectFault(scenario.fault, {
    context,
    isHolding: scenario.fault.type === 'kill' && scenario.fault.target === 'dispatcher' ?
      async (pid) => await pool.exists(sql.type(z.object({}))`
        SELECT 1 FROM ${sql.identifier([schema, 'maintenance_task_execution'])} WHERE state = 'RUNNING' AND hostname = ${`chaos-${pid}`}
      `) :
      undefined,
    processes: dispatchers,
    proxy,
    workers,
  });

  await delay(Math.max(0, loadStartedAt + timing.loadMs - Date.now()));
  await feeder.stop();

  const drainDeadline = Date.now() + timing.drainMs;

  while (Date.now() < drainDeadline && await countOpenItems(pool, schema).catch(() => -1) !== 0) {
    await delay(250);
  }

  const counts = await countInstructions(pool, {
    brokerRestart: scenario.fault.type === 'restart' && scenario.fault.server !== 'postgres',
    faultEndedAt: fault.faultEndedAt,
    faultStartedAt: fault.faultStartedAt,
    killedPids: fault.killedPids,
    schema,
  });

  await dispatchers.killAll();
  await workers?.killAll();
  await proxy?.close();

  const notes = [...fault.notes, `executions at the end: ${JSON.stringify(counts.executions)}`];

  if (counts.reaped > 0) {
    notes.push(`${counts.reaped} execution(s) recovered by the reaper (maximum_execution_duration ${timing.reaperTimeoutMs} ms)`);
  }

  return judge(scenario, context, {
    atLeastOnceCases: counts.atLeastOnceCases,
    catchUpMs: counts.catchUpMs,
    completed: counts.completed,
    produced: counts.produced,
    reaped: counts.reaped,
    recoveryMs: counts.recoveryMs,
    twiceCases: counts.twiceCases,
    downMs: fault.downMs,
    errors,
    fault: describeFault(scenario),
    lost: counts.produced - counts.completed,
    notes,
  });
};
