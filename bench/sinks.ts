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
import {median, medianOfRatios, ratio, runAlternatingRounds} from './alternatingRounds.ts';
import {brokers} from './sinks/brokers.ts';
import {runChild} from './sinks/runChild.ts';
import {settings} from './sinks/settings.ts';

const SCENARIO = `end-to-end-${settings.jobs}`;
// The pair the target compares (planton+bullmq, bullmq-direct) runs back to back, in turn first and
// second (ABBA): the machine's speed drifts over a run, and a pair measured apart or always in the
// same order would carry that drift into its ratio.
const systems = ['planton+bullmq', 'bullmq-direct', ...brokers.map((broker) => broker.system).filter((system) => system !== 'planton+bullmq')]
  .filter((system) => settings.systems === null || settings.systems.includes(system));

const print = (line: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({bench: 'sinks', scenario: SCENARIO, ...line})}\n`);
};

// Warm-up rounds first, not counted: the first measurements after the services have been idle run
// cold (PostgreSQL's and Redis's caches, the page cache) and come out up to a fifth lower.
const {samples, skipped} = await runAlternatingRounds({measure: runChild, rounds: settings.rounds, systems, warmUpRounds: settings.warmUpRounds});

const rates: Record<string, number | null> = {};

for (const system of systems) {
  if (skipped.has(system)) {
    print({system, skipped: skipped.get(system)});
    continue;
  }

  const list = samples.get(system) ?? [];
  const values = list.map((sample) => sample.instructionsPerSecond).filter((rate): rate is number => typeof rate === 'number');
  const errors = list.map((sample) => sample.error).filter((error) => error !== undefined);

  rates[system] = values.length > 0 ? Math.round(median(values)) : null;
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
    // Each round's own ratio: both systems ran back to back, under the same neighbours.
    const {median: medianRatio, roundRatios} = medianOfRatios(samples.get(system) ?? [], samples.get('bullmq-direct') ?? [], (sample) => sample.instructionsPerSecond);

    print({
      system: 'ratio',
      of: `${system} / bullmq-direct`,
      instructionsPerSecond: medianRatio,
      ratioOfMedians: ratio(planton, direct),
      roundRatios,
      target: 0.7,
    });
  }
}
