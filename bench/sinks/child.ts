/**
 * One measurement in a fresh process: `node dist/bench/sinks/child.js SYSTEM` prints one JSON line
 * (the metrics, or `{"skipped": reason}` / `{"error": …}`) and exits.
 */
import {writeSync} from 'node:fs';
import {brokers} from './brokers.ts';
import {measureBullMqDirect} from './measureBullMqDirect.ts';
import {measurePlanton} from './measurePlanton.ts';
import {getServiceUrl} from './settings.ts';
import type {Metrics} from './types.ts';

const [system = ''] = process.argv.slice(2);

const measure = async (): Promise<Metrics> => {
  if (system === 'bullmq-direct') {
    const redis = getServiceUrl('redis');

    return 'missing' in redis ? {skipped: `set ${redis.missing}`} : await measureBullMqDirect(redis.url);
  }

  const entry = brokers.find((broker) => broker.system === system);

  if (entry === undefined) {
    return {error: `unknown system ${JSON.stringify(system)}`};
  }

  const database = getServiceUrl('database');
  const service = getServiceUrl(entry.service);

  if ('missing' in database) {
    return {skipped: `set ${database.missing}`};
  }

  if ('missing' in service) {
    return {skipped: `set ${service.missing}`};
  }

  let harness;

  try {
    harness = await entry.load(service.url);
  } catch (error) {
    return {skipped: `its adapter does not load: ${error instanceof Error ? error.message : String(error)}`};
  }

  return await measurePlanton(system, harness, database.url);
};

let metrics: Metrics;

try {
  metrics = await measure();
} catch (error) {
  metrics = {error: error instanceof Error ? error.message : String(error)};
}

writeSync(process.stdout.fd, `${JSON.stringify(metrics)}\n`);
process.exit(0);
