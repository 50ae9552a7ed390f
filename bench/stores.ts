/**
 * `npm run bench -- stores`: the same scenarios on every store side by side — PostgreSQL (server),
 * PGlite, MariaDB and SQLite (a temporary file). `throughput-20000` (bench/postgres' scenario:
 * createPlanton + the store's claim + completions in batches), `latency` (an insert through
 * another connection → the idle task's claim: NOTIFY on PostgreSQL and PGlite, the store's poll on
 * MariaDB and SQLite at their default `pollInterval`) and `scheduler-throughput` (bench/scheduler's
 * drain of due jobs, on each scheduler store). Every measurement runs in a fresh process on a
 * fresh schema/database/file, dropped or removed at the end; BENCH_STORES_ROUNDS rounds of the
 * throughput (default 4), of the latency (1) and of the scheduler (2) (bench/stores/settings.ts), the stores in alternating order (bench/alternatingRounds.ts). Each line carries its ratio to
 * PostgreSQL (the median of the rounds' own ratios); the load average is printed with each scenario.
 * BENCH_STORES (comma-separated) runs only some stores (postgres always runs).
 */
import {loadavg} from 'node:os';
import {join} from 'node:path';
import {median, medianOfRatios, runAlternatingRounds, type Sample} from './alternatingRounds.ts';
import {percentile} from './postgres/database.ts';
import {runChildProcess} from './runChildProcess.ts';
import {createBenchName} from './stores/backends/createBenchName.ts';
import {isStoreName, storeBackends} from './stores/backends/storeBackends.ts';
import {CHILD_TIMEOUT_MS, LATENCY_ROUNDS, ROUNDS, SCHEDULER_ROUNDS, WARM_UP_ROUNDS} from './stores/settings.ts';

const CHILD_PATH = join(import.meta.dirname, 'stores', 'child.ts');
const only = process.env.BENCH_STORES?.split(',').map((store) => store.trim()).filter(Boolean) ?? null;
const STORES = ['postgres', 'mariadb', 'sqlite', 'pglite'].filter((store) => store === 'postgres' || only === null || only.includes(store));

/** What each line states a target for (issue 14), by scenario and store. */
const TARGETS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'throughput-20000': {mariadb: 'ratio >= 0.5', sqlite: 'rowsPerSecond >= 10000'},
};

const print = (line: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({bench: 'stores', ...line})}\n`);
};

const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100);
const numbers = (list: readonly Sample[], key: string) => list.map((sample) => sample[key]).filter((value): value is number => typeof value === 'number');
const errorsOf = (list: readonly Sample[]) => {
  const errors = list.map((sample) => sample.error).filter((error) => error !== undefined);

  return errors.length > 0 ? {errors} : {};
};
const settingsOf = (list: readonly Sample[]) => list.find((sample) => typeof sample.settings === 'string')?.settings ?? null;

/**
 * Runs one measurement in a fresh process on a fresh schema/database/file, then drops whatever a
 * killed child left of it (a child that ended normally dropped it itself).
 */
const measureInChild = async (child: string, store: string): Promise<Sample> => {
  const name = createBenchName();

  try {
    return await runChildProcess(CHILD_PATH, [child, store, name], CHILD_TIMEOUT_MS);
  } finally {
    if (isStoreName(store)) {
      await storeBackends[store].removeLeftovers(name);
    }
  }
};

/** Runs `child SCENARIO STORE` for every store in alternating rounds and prints one line per store. */
const runScenario = async (scenario: string, child: string, rounds: number, summarise: (list: readonly Sample[], reference: readonly Sample[]) => Record<string, unknown>) => {
  const {samples} = await runAlternatingRounds({
    measure: async (store) => await measureInChild(child, store),
    rounds,
    systems: STORES,
    warmUpRounds: WARM_UP_ROUNDS,
    // Only postgres and the first other store alternate as a pair; an even count of rounds puts each first equally.
    warn: () => undefined,
  });
  const reference = samples.get('postgres') ?? [];

  for (const store of STORES) {
    const list = samples.get(store) ?? [];
    const target = TARGETS[scenario]?.[store];

    print({scenario, store, ...summarise(list, reference), ...target === undefined ? {} : {target}, settings: settingsOf(list), ...errorsOf(list)});
  }

  print({scenario, store: 'load', loadAverage: loadAverage()});
};

const rate = (key: string) => (list: readonly Sample[], reference: readonly Sample[]) => {
  const values = numbers(list, key);
  const {median: ratio, roundRatios} = medianOfRatios(list, reference, (sample) => sample[key]);

  return {[key]: values.length > 0 ? Math.round(median(values)) : null, samples: values, vsPostgres: ratio, roundRatios};
};

await runScenario('throughput-20000', 'dispatch', ROUNDS, rate('rowsPerSecond'));
await runScenario('latency', 'latency', LATENCY_ROUNDS, (list, reference) => {
  const values = list.flatMap((sample) => Array.isArray(sample.latencies) ? sample.latencies as number[] : []);
  const p50 = medianOfRatios(list, reference, (sample) => sample.p50Ms);

  return {
    p50Ms: values.length > 0 ? percentile(values, 50) : null,
    p99Ms: values.length > 0 ? percentile(values, 99) : null,
    samples: values.length,
    roundP50Ms: list.map((sample) => sample.p50Ms ?? null),
    p50VsPostgres: p50.median,
  };
});
await runScenario('scheduler-throughput', 'scheduler', SCHEDULER_ROUNDS, rate('jobsPerSecond'));
