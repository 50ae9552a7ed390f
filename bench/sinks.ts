/**
 * `npm run bench -- sinks`: end-to-end instructions per second, PostgreSQL → Planton → broker →
 * worker → completion, for each broker adapter (bench/sinks/brokers.ts), and the same jobs through
 * BullMQ alone (`bullmq-direct`, the reference). Every measurement runs in a fresh process on fresh
 * names; systems are interleaved in rounds (BENCH_SINKS_ROUNDS, default 6, after
 * BENCH_SINKS_WARMUP_ROUNDS = 1 not counted) so a noisy neighbour hits each alike; planton+bullmq
 * and bullmq-direct run back to back, first one then the other first. One JSON line per
 * system (the median and every sample), a line for each skipped system, then the ratio
 * planton+bullmq / bullmq-direct: the median of the rounds' own ratios. Settings:
 * bench/sinks/settings.ts.
 */
import {brokers} from './sinks/brokers.ts';
import {runChild} from './sinks/runChild.ts';
import {settings} from './sinks/settings.ts';

const SCENARIO = `end-to-end-${settings.jobs}`;
// The pair the target compares (planton+bullmq, bullmq-direct) runs back to back, in turn first and
// second (ABBA): the machine's speed drifts over a run, and a pair measured apart or always in the
// same order would carry that drift into its ratio.
const systems = ['planton+bullmq', 'bullmq-direct', ...brokers.map((broker) => broker.system).filter((system) => system !== 'planton+bullmq')]
  .filter((system) => settings.systems === null || settings.systems.includes(system));
const orderOf = (round: number): readonly string[] => {
  return Math.abs(round) % 2 === 0 ? systems : [...systems.slice(0, 2).reverse(), ...systems.slice(2).reverse()];
};

if (settings.rounds % 2 === 1) {
  process.stderr.write(`BENCH_SINKS_ROUNDS=${settings.rounds} is odd: planton+bullmq runs first in one round more than bullmq-direct.\n`);
}

const print = (line: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({bench: 'sinks', scenario: SCENARIO, ...line})}\n`);
};

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);

  return sorted.length % 2 === 1 ? sorted[middle] ?? Number.NaN : Math.round(((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2);
};

const ratio = (a: unknown, b: unknown): number | null => {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? Math.round((a / b) * 100) / 100 : null;
};

const samples = new Map<string, Array<Record<string, unknown>>>();
const skipped = new Map<string, unknown>();

// Warm-up rounds first, not counted: the first measurements after the services have been idle run
// cold (PostgreSQL's and Redis's caches, the page cache) and come out up to a fifth lower.
for (let round = -settings.warmUpRounds; round < settings.rounds; round++) {
  for (const system of orderOf(round)) {
    if (skipped.has(system)) {
      continue;
    }

    const metrics = await runChild(system);

    if (round < 0 && metrics.skipped === undefined) {
      continue;
    }

    if (metrics.skipped === undefined) {
      samples.set(system, [...samples.get(system) ?? [], metrics]);
    } else {
      skipped.set(system, metrics.skipped);
    }
  }
}

const rates: Record<string, number | null> = {};

for (const system of systems) {
  if (skipped.has(system)) {
    print({system, skipped: skipped.get(system)});
    continue;
  }

  const list = samples.get(system) ?? [];
  const values = list.map((sample) => sample.instructionsPerSecond).filter((rate): rate is number => typeof rate === 'number');
  const errors = list.map((sample) => sample.error).filter((error) => error !== undefined);

  rates[system] = values.length > 0 ? median(values) : null;
  print({
    system,
    instructionsPerSecond: rates[system],
    samples: values,
    settings: list.find((sample) => typeof sample.settings === 'string')?.settings ?? null,
    ...errors.length > 0 ? {errors} : {},
  });
}

const direct = rates['bullmq-direct'];

for (const system of ['planton+bullmq']) {
  const planton = rates[system];

  if (systems.includes(system) && !skipped.has(system)) {
    // Each round's own ratio too: both systems ran back to back, under the same neighbours.
    const directSamples = samples.get('bullmq-direct') ?? [];
    const roundRatios = (samples.get(system) ?? []).map((sample, round) => ratio(sample.instructionsPerSecond, directSamples[round]?.instructionsPerSecond));

    const pairedRatios = roundRatios.filter((value): value is number => value !== null);

    print({
      system: 'ratio',
      of: `${system} / bullmq-direct`,
      // The median of the rounds' own ratios: each pair ran back to back, so a slower spell of the
      // machine between rounds cancels out (the ratio of the two medians does not).
      instructionsPerSecond: pairedRatios.length > 0 ? median(pairedRatios.map((value) => value * 100)) / 100 : null,
      ratioOfMedians: ratio(planton, direct),
      roundRatios,
      target: 0.7,
    });
  }
}
