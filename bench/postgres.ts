/**
 * `npm run bench -- postgres`: Planton + the PostgreSQL store against graphile-worker, pg-boss and
 * a raw claim loop, on PLANTON_BENCH_DATABASE_URL (default: the local server). Every measurement
 * runs in a fresh Node process on a fresh schema, in alternating rounds (bench/alternatingRounds.ts):
 * Planton and graphile-worker back to back, each first in half of the rounds, after
 * BENCH_WARMUP_ROUNDS (default 1) uncounted rounds. throughput-20000: BENCH_ROUNDS (default 6)
 * rounds, each line the median and every sample. latency: BENCH_LATENCY_ROUNDS (default 8) rounds
 * of 200 wake-ups, each line the percentiles over every round's samples and each round's p50.
 * Then a ratio line per scenario (planton / graphile-worker): the median of the rounds' own ratios,
 * which decides the target, beside the ratio of the medians. BENCH_SYSTEMS (comma-separated) runs
 * only some systems (planton and graphile-worker always run). The load average is printed with
 * each ratio: absolute figures move with the machine's other work, ratios much less.
 */
import {loadavg} from 'node:os';
import {median, medianOfRatios, ratio, runAlternatingRounds, type Sample} from './alternatingRounds.ts';
import {percentile} from './postgres/database.ts';
import {runChild} from './postgres/runChild.ts';

const integer = (name: string, fallback: number, minimum = 1): number => {
  const value = Number(process.env[name] ?? fallback);

  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`Expected ${name} to be an integer >= ${minimum}, got ${String(process.env[name])}.`);
  }

  return value;
};

const THROUGHPUT_ROUNDS = integer('BENCH_ROUNDS', 6);
// Latency rounds are short (200 wake-ups) and a burst of the machine's other work moves one round's
// p50 by half or more: with 8, one such round moves the median of the ratios little.
const LATENCY_ROUNDS = integer('BENCH_LATENCY_ROUNDS', 8);
const WARM_UP_ROUNDS = integer('BENCH_WARMUP_ROUNDS', 1, 0);
const only = process.env.BENCH_SYSTEMS?.split(',').map((system) => system.trim()).filter(Boolean) ?? null;
const select = (systems: readonly string[]) => systems.filter((system, index) => index < 2 || only === null || only.includes(system));
const THROUGHPUT_SYSTEMS = select(['planton', 'graphile-worker', 'pg-boss', 'raw']);
const LATENCY_SYSTEMS = select(['planton', 'graphile-worker', 'pg-boss']);

const print = (line: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({bench: 'postgres', ...line})}\n`);
};

const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100);
const errorsOf = (list: readonly Sample[]) => {
  const errors = list.map((sample) => sample.error).filter((error) => error !== undefined);

  return errors.length > 0 ? {errors} : {};
};
const settingsOf = (list: readonly Sample[]) => list.find((sample) => typeof sample.settings === 'string')?.settings ?? null;

// throughput-20000
const throughput = await runAlternatingRounds({
  measure: async (system) => await runChild('throughput', system),
  rounds: THROUGHPUT_ROUNDS,
  systems: THROUGHPUT_SYSTEMS,
  warmUpRounds: WARM_UP_ROUNDS,
});
const rates: Record<string, number | null> = {};

for (const system of THROUGHPUT_SYSTEMS) {
  const list = throughput.samples.get(system) ?? [];
  const values = list.map((sample) => sample.rowsPerSecond).filter((rate): rate is number => typeof rate === 'number');

  rates[system] = values.length > 0 ? Math.round(median(values)) : null;
  print({scenario: 'throughput-20000', system, rowsPerSecond: rates[system], samples: values, settings: settingsOf(list), ...errorsOf(list)});
}

const throughputRatio = medianOfRatios(throughput.samples.get('planton') ?? [], throughput.samples.get('graphile-worker') ?? [], (sample) => sample.rowsPerSecond);

print({
  scenario: 'throughput-20000',
  system: 'ratio',
  of: 'planton / graphile-worker',
  rowsPerSecond: throughputRatio.median,
  roundRatios: throughputRatio.roundRatios,
  ratioOfMedians: ratio(rates.planton, rates['graphile-worker']),
  target: '>= 1.5',
  loadAverage: loadAverage(),
});

// latency: each system's percentiles are over all its rounds' samples; the ratio over the rounds' p50s.
const latency = await runAlternatingRounds({
  measure: async (system) => await runChild('latency', system),
  rounds: LATENCY_ROUNDS,
  systems: LATENCY_SYSTEMS,
  warmUpRounds: WARM_UP_ROUNDS,
});
const pooled: Record<string, {readonly p50Ms: number | null; readonly p99Ms: number | null}> = {};

for (const system of LATENCY_SYSTEMS) {
  const list = latency.samples.get(system) ?? [];
  const values = list.flatMap((sample) => Array.isArray(sample.latencies) ? sample.latencies as number[] : []);

  pooled[system] = {p50Ms: values.length > 0 ? percentile(values, 50) : null, p99Ms: values.length > 0 ? percentile(values, 99) : null};
  print({
    scenario: 'latency',
    system,
    ...pooled[system],
    samples: values.length,
    roundP50Ms: list.map((sample) => sample.p50Ms ?? null),
    settings: settingsOf(list),
    ...errorsOf(list),
  });
}

const p50Ratio = medianOfRatios(latency.samples.get('planton') ?? [], latency.samples.get('graphile-worker') ?? [], (sample) => sample.p50Ms);
const p99Ratio = medianOfRatios(latency.samples.get('planton') ?? [], latency.samples.get('graphile-worker') ?? [], (sample) => sample.p99Ms);

print({
  scenario: 'latency',
  system: 'ratio',
  of: 'planton / graphile-worker',
  p50Ms: p50Ratio.median,
  p99Ms: p99Ratio.median,
  roundP50Ratios: p50Ratio.roundRatios,
  ratioOfPooledP50: ratio(pooled.planton?.p50Ms, pooled['graphile-worker']?.p50Ms),
  target: 'p50 <= 1',
  loadAverage: loadAverage(),
});
