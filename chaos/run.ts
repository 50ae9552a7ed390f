/**
 * `npm run chaos [-- --short] [-- --only NAME,…]`: each scenario (chaos/scenarios.ts) runs real
 * processes against server processes of its own on free loopback ports (PostgreSQL, Redis, NATS,
 * RabbitMQ: never the shared ones), injects one fault, and counts from the database what was
 * produced, completed, lost and run twice. One JSON line per scenario, then a table; exit code 1
 * when a target is missed. Everything started is stopped at the end, on failure, on Ctrl-C and at
 * the global deadline (`--deadline` seconds).
 */
import {parseArgs} from 'node:util';
import {createPool, type DatabasePool} from 'slonik';
import {createCleanup} from './createCleanup.ts';
import {formatTable} from './formatTable.ts';
import {RETRY_DELAY_MS, runInstructionScenario} from './runInstructionScenario.ts';
import {runJobScenario} from './runJobScenario.ts';
import {scenarios} from './scenarios.ts';
import {startNatsServer} from './servers/startNatsServer.ts';
import {startPostgresServer} from './servers/startPostgresServer.ts';
import {startRabbitMqServer} from './servers/startRabbitMqServer.ts';
import {startRedisServer} from './servers/startRedisServer.ts';
import type {ServerProcess} from './servers/types.ts';
import type {ChaosContext, ScenarioResult, ServerName, Timing} from './types.ts';

const {values: options} = parseArgs({
  options: {
    deadline: {type: 'string'},
    only: {type: 'string'},
    'reaper-timeout': {type: 'string'},
    short: {default: false, type: 'boolean'},
  },
});
const short = options.short ?? false;
const timing: Timing = {
  drainMs: short ? 20_000 : 30_000,
  faultAtMs: short ? 2_000 : 3_000,
  jobTimeoutMs: 1_500,
  loadMs: short ? 6_000 : 10_000,
  rate: 100,
  reaperTimeoutMs: Number(options['reaper-timeout'] ?? 3_000),
  recoveryTargetMs: 5_000,
  tasks: 20,
};
const only = options.only?.split(',') ?? null;
const selected = scenarios.filter((scenario) => (only === null ? !short || scenario.short : only.includes(scenario.name)));
const deadlineMs = Number(options.deadline ?? (short ? 240 : 900)) * 1_000;

if (selected.length === 0) {
  process.stderr.write(`No scenario selected. Scenarios: ${scenarios.map(({name}) => name).join(', ')}\n`);
  process.exit(2);
}

const cleanup = createCleanup();
let finishing = false;

const finish = async (code: number, message?: string) => {
  if (finishing) {
    return;
  }

  finishing = true;

  if (message !== undefined) {
    process.stderr.write(`chaos: ${message}\n`);
  }

  await cleanup.run();
  process.exit(code);
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void finish(130, `${signal}: stopping what the run started`);
  });
}

setTimeout(() => {
  void finish(1, `the run passed its deadline (${deadlineMs / 1_000} s)`);
}, deadlineMs);

const starters: Readonly<Record<ServerName, () => Promise<ServerProcess>>> = {
  nats: startNatsServer,
  postgres: startPostgresServer,
  rabbitmq: startRabbitMqServer,
  redis: startRedisServer,
};
const servers = new Map<ServerName, Promise<ServerProcess>>();
let pool: Promise<DatabasePool> | null = null;

const getServer = async (name: ServerName): Promise<ServerProcess> => {
  let server = servers.get(name);

  if (server === undefined) {
    server = starters[name]();
    servers.set(name, server);

    const started = await server;

    cleanup.add(`${name} server`, started.stop);
  }

  return await server;
};

const context: ChaosContext = {
  cleanup,
  getPool: async () => {
    if (pool === null) {
      pool = getServer('postgres').then(async ({url}) => {
        const created = await createPool(url, {maxPoolSize: 10});

        cleanup.add('pool', async () => await created.end());

        return created;
      });
    }

    return await pool;
  },
  getServer,
  timing,
};

const results: ScenarioResult[] = [];

try {
  for (const scenario of selected) {
    if (finishing) {
      // Ctrl-C or the deadline: the cleanup is stopping everything; the exit code is set there.
      await new Promise(() => undefined);
    }

    const startedAt = Date.now();
    let result: ScenarioResult;

    try {
      result = scenario.kind === 'jobs' ? await runJobScenario(scenario, context) : await runInstructionScenario(scenario, context);
    } catch (error) {
      result = {
        atLeastOnce: 0, atLeastOnceCases: [], catchUpMs: null, completed: 0, downMs: null, errors: {}, fault: scenario.fault.type, kind: scenario.kind, lost: 0,
        misses: [`the scenario failed: ${String(error)}`], notes: [], passed: false, produced: 0, reaped: null, recoveryMs: null,
        scenario: scenario.name, twice: 0, twiceCases: [],
      };
    }

    if (finishing) {
      await new Promise(() => undefined);
    }

    results.push(result);
    // bigint (an int8 column) as a number: ids and counts here are far below 2^53.
    process.stdout.write(`${JSON.stringify({chaos: result.scenario, durationMs: Date.now() - startedAt, ...result}, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value))}\n`);
  }
} catch (error) {
  await finish(1, String(error));
}

const cell = (value: number | null, unit = '') => (value === null ? '–' : `${value.toLocaleString('en-US')}${unit}`);

process.stdout.write(`\n${formatTable(
  ['scenario', 'kind', 'produced', 'completed', 'lost', 'twice', 'at least once', 'reaped', 'recovery', 'catch-up', 'server down', 'result'],
  results.map((result) => [
    result.scenario,
    result.kind,
    cell(result.produced),
    cell(result.completed),
    cell(result.lost),
    cell(result.twice),
    cell(result.atLeastOnce),
    cell(result.reaped),
    result.recoveryMs === null ? '–' : `${(result.recoveryMs / 1_000).toFixed(2)} s`,
    result.catchUpMs === null ? '–' : `${(result.catchUpMs / 1_000).toFixed(2)} s`,
    result.downMs === null ? '–' : `${(result.downMs / 1_000).toFixed(2)} s`,
    result.passed ? 'pass' : `MISS: ${result.misses.join('; ')}`,
  ]),
)}\n`);
process.stdout.write(`targets: lost 0, twice 0 (at-least-once cases counted apart and listed in the JSON lines), recovery < ${timing.recoveryTargetMs / 1_000} s; reaper timeout ${timing.reaperTimeoutMs / 1_000} s (checked every 0.5 s), retry delay ${RETRY_DELAY_MS / 1_000} s, heartbeat 1 s, job timeout ${timing.jobTimeoutMs / 1_000} s + leaseGrace 1 s\n`);

await finish(results.every((result) => result.passed) ? 0 : 1);
