/**
 * One measurement in a fresh process: `node bench/stores/child.ts SCENARIO STORE NAME` opens the
 * store on a fresh schema/database/file called NAME, measures, closes and drops it, and prints one
 * JSON object.
 */
import {measureSchedulerThroughput} from '../scheduler/measureThroughput.ts';
import {isStoreName, storeBackends} from './backends/storeBackends.ts';
import {dispatchSettings, measureDispatchThroughput} from './measureDispatchThroughput.ts';
import {latencySettings, measureWakeUpLatency} from './measureWakeUpLatency.ts';
import {DISPATCH_JOBS, LATENCY_CONCURRENCY, SCHEDULER_JOBS} from './settings.ts';

const [scenario = '', store = '', name = ''] = process.argv.slice(2);

if (!isStoreName(store)) {
  throw new Error(`Unknown store \`${store}\`.`);
}

const backend = storeBackends[store];

const measure = async (): Promise<Record<string, unknown>> => {
  if (scenario === 'scheduler') {
    const target = await backend.openScheduler({name});

    try {
      return await measureSchedulerThroughput(target, SCHEDULER_JOBS);
    } finally {
      await target.close();
    }
  }

  const latency = scenario === 'latency';
  const target = await backend.openDispatch({items: latency ? 0 : DISPATCH_JOBS, name, wakeUps: latency});

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
