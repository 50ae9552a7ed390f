/**
 * `npm run bench -- postgres`: Planton + the PostgreSQL store against graphile-worker, pg-boss and
 * a raw claim loop, on PLANTON_BENCH_DATABASE_URL (default: the local server). Every measurement
 * runs in a fresh Node process on a fresh schema. Measurements are interleaved in rounds
 * (planton, graphile-worker, pg-boss, raw, again…) so a noisy neighbour hits every system alike:
 * a throughput line gives the median and every sample (BENCH_ROUNDS, default 3); a latency line the
 * percentiles over every round's samples (BENCH_LATENCY_ROUNDS, default 2, 200 rows each). Prints
 * one JSON line per scenario and system, then a ratio line (planton / graphile-worker).
 */
import {percentile} from './postgres/database.ts';
import {runChild} from './postgres/runChild.ts';

const THROUGHPUT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THROUGHPUT_SYSTEMS = ['planton', 'graphile-worker', 'pg-boss', 'raw'] as const;
const LATENCY_SYSTEMS = ['planton', 'graphile-worker', 'pg-boss'] as const;
const LATENCY_ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 2);

const print = (line: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({bench: 'postgres', ...line})}\n`);
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);

  return sorted.length % 2 === 1 ? sorted[middle] ?? Number.NaN : Math.round(((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2);
};

const ratio = (a: unknown, b: unknown) => {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? Math.round((a / b) * 100) / 100 : null;
};

// throughput-20000
const samples = new Map<string, Array<Record<string, unknown>>>();

for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
  for (const system of THROUGHPUT_SYSTEMS) {
    const list = samples.get(system) ?? [];

    list.push(await runChild('throughput', system));
    samples.set(system, list);
  }
}

const throughput: Record<string, number | null> = {};

for (const system of THROUGHPUT_SYSTEMS) {
  const list = samples.get(system) ?? [];
  const rates = list.map((sample) => sample.rowsPerSecond).filter((rate): rate is number => typeof rate === 'number');
  const errors = list.map((sample) => sample.error).filter((error) => error !== undefined);
  const settings = list.find((sample) => typeof sample.settings === 'string')?.settings ?? null;

  throughput[system] = rates.length > 0 ? median(rates) : null;
  print({
    scenario: 'throughput-20000',
    system,
    rowsPerSecond: throughput[system],
    samples: rates,
    settings,
    ...errors.length > 0 ? {errors} : {},
  });
}

print({scenario: 'throughput-20000', system: 'ratio', of: 'planton / graphile-worker', rowsPerSecond: ratio(throughput.planton, throughput['graphile-worker'])});

// latency: interleaved rounds too; each system's percentiles are over all its rounds' samples.
const latencies = new Map<string, number[]>();
const latencyErrors = new Map<string, unknown[]>();
const latencySettings = new Map<string, unknown>();
const roundP50s = new Map<string, unknown[]>();

for (let round = 0; round < LATENCY_ROUNDS; round++) {
  for (const system of LATENCY_SYSTEMS) {
    const metrics = await runChild('latency', system);

    if (Array.isArray(metrics.latencies)) {
      latencies.set(system, [...latencies.get(system) ?? [], ...metrics.latencies as number[]]);
      roundP50s.set(system, [...roundP50s.get(system) ?? [], metrics.p50Ms]);
      latencySettings.set(system, metrics.settings);
    } else {
      latencyErrors.set(system, [...latencyErrors.get(system) ?? [], metrics.error]);
    }
  }
}

const latency: Record<string, {readonly p50Ms: number | null; readonly p99Ms: number | null}> = {};

for (const system of LATENCY_SYSTEMS) {
  const values = latencies.get(system) ?? [];
  const errors = latencyErrors.get(system) ?? [];

  latency[system] = {p50Ms: values.length > 0 ? percentile(values, 50) : null, p99Ms: values.length > 0 ? percentile(values, 99) : null};
  print({
    scenario: 'latency',
    system,
    ...latency[system],
    samples: values.length,
    roundP50Ms: roundP50s.get(system) ?? [],
    settings: latencySettings.get(system) ?? null,
    ...errors.length > 0 ? {errors} : {},
  });
}

print({
  scenario: 'latency',
  system: 'ratio',
  of: 'planton / graphile-worker',
  p50Ms: ratio(latency.planton?.p50Ms, latency['graphile-worker']?.p50Ms),
  p99Ms: ratio(latency.planton?.p99Ms, latency['graphile-worker']?.p99Ms),
});
