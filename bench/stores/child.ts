/**
 * One measurement in a fresh process: `node bench/stores/child.ts SCENARIO STORE` opens the store
 * on a fresh schema/database/file, measures, closes and drops it, and prints one JSON object.
 */
import {measureSchedulerThroughput} from '../scheduler/measureThroughput.ts';
import {mariadbBackend} from './backends/mariadb.ts';
import {pgliteBackend, postgresBackend} from './backends/postgres.ts';
import {sqliteBackend} from './backends/sqlite.ts';
import {dispatchSettings, measureDispatchThroughput} from './measureDispatchThroughput.ts';
import {latencySettings, measureWakeUpLatency} from './measureWakeUpLatency.ts';
import {DISPATCH_JOBS, LATENCY_CONCURRENCY, SCHEDULER_JOBS} from './settings.ts';
import type {StoreBackend} from './types.ts';

const backends: Readonly<Record<string, StoreBackend>> = {mariadb: mariadbBackend, pglite: pgliteBackend, postgres: postgresBackend, sqlite: sqliteBackend};
const [scenario = '', name = ''] = process.argv.slice(2);
const backend = backends[name];

if (backend === undefined) {
  throw new Error(`Unknown store \`${name}\`.`);
}

const measure = async (): Promise<Record<string, unknown>> => {
  if (scenario === 'scheduler') {
    const target = await backend.openScheduler();

    try {
      return await measureSchedulerThroughput(target, SCHEDULER_JOBS);
    } finally {
      await target.close();
    }
  }

  const latency = scenario === 'latency';
  const target = await backend.openDispatch({items: latency ? 0 : DISPATCH_JOBS, wakeUps: latency});

  try {
    return latency ?
      {...await measureWakeUpLatency(target, LATENCY_CONCURRENCY), settings: `${latencySettings(LATENCY_CONCURRENCY)}; ${target.settings}`} :
      {...await measureDispatchThroughput(target, DISPATCH_JOBS), settings: `${dispatchSettings}; ${target.settings}`};
  } finally {
    await target.close();
  }
};

process.stdout.write(`${JSON.stringify(await measure())}\n`);
process.exit(0);
