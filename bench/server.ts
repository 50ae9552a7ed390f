/**
 * `npm run bench -- server`: Planton as a server (src/server, src/client), built as `planton serve`
 * builds it (bench/server/openBackend.ts), on PLANTON_BENCH_DATABASE_URL (else the test database),
 * each measurement in a fresh Node process on a fresh schema (dropped afterwards).
 * - `http`: jobs created per second through `POST /v1/tasks/:name/jobs` with autocannon (keep-alive,
 *   a bearer token), on PostgreSQL and on PGlite (`BENCH_SERVER_PGLITE=0` leaves it out).
 * - `throughput`: the same one-off jobs drained by 4 worker processes over WebSocket (`remote`) and
 *   by a processor in the server's process (`in-process`), in alternating rounds (ABBA); the ratio
 *   line is the median of the rounds' own ratios. Target: remote >= 0.5 × in-process.
 * - `latency`: due time → handler start of jobs due 20 ms apart, remote and in-process side by side in
 *   one server (their due times alternate). Target: remote p50 < 5 ms.
 * One JSON line per scenario and system; settings in bench/server/settings.ts (BENCH_SERVER_* overrides).
 */
import {loadavg} from 'node:os';
import {median, medianOfRatios, ratio, runAlternatingRounds, type Sample} from './alternatingRounds.ts';
import {runChild} from './server/runChild.ts';
import {HTTP_PGLITE, THROUGHPUT_ROUNDS, WARM_UP_ROUNDS} from './server/settings.ts';

const print = (line: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify({bench: 'server', ...line})}\n`);
};

const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100);

// http
for (const system of HTTP_PGLITE ? ['postgres', 'pglite'] : ['postgres']) {
  const metrics = await runChild('http', system);

  print({scenario: 'http-create-job', system, ...metrics, target: 'non2xx = 0', loadAverage: loadAverage()});
}

// throughput
const systems = ['remote', 'in-process'];
const throughput = await runAlternatingRounds({
  measure: async (system) => await runChild('throughput', system),
  rounds: THROUGHPUT_ROUNDS,
  systems,
  warmUpRounds: WARM_UP_ROUNDS,
});
const rates: Record<string, number | null> = {};

for (const system of systems) {
  const list = throughput.samples.get(system) ?? [];
  const values = list.map((sample) => sample.jobsPerSecond).filter((rate): rate is number => typeof rate === 'number');
  const errors = list.map((sample) => sample.error).filter((error) => error !== undefined);

  const medianOf = (field: string) => {
    const numbers = list.map((sample) => sample[field]).filter((value): value is number => typeof value === 'number');

    return numbers.length > 0 ? Math.round(median(numbers)) : null;
  };

  rates[system] = values.length > 0 ? Math.round(median(values)) : null;
  print({
    scenario: 'throughput',
    system,
    jobsPerSecond: rates[system],
    samples: values,
    // CPU time per job (µs, median of the rounds): the server's process, and the worker processes' together.
    serverCpuUsPerJob: medianOf('serverCpuUsPerJob'),
    ...system === 'remote' ? {workersCpuUsPerJob: medianOf('workersCpuUsPerJob')} : {},
    drained: list.every((sample) => sample.drained === true),
    failures: list.reduce((sum, sample) => sum + (typeof sample.failures === 'number' ? sample.failures : 0), 0),
    settings: list.find((sample) => typeof sample.settings === 'string')?.settings ?? null,
    ...errors.length > 0 ? {errors} : {},
  });
}

const throughputRatio = medianOfRatios(throughput.samples.get('remote') ?? [], throughput.samples.get('in-process') ?? [], (sample: Sample) => sample.jobsPerSecond);

print({
  scenario: 'throughput',
  system: 'ratio',
  of: 'remote / in-process',
  jobsPerSecond: throughputRatio.median,
  roundRatios: throughputRatio.roundRatios,
  ratioOfMedians: ratio(rates.remote, rates['in-process']),
  target: '>= 0.5',
  loadAverage: loadAverage(),
});

// latency: remote and in-process side by side in one server
const latency = await runChild('latency', 'both');
const {inProcess, remote, ...shared} = latency as {readonly inProcess?: Sample; readonly remote?: Sample};

if (remote === undefined || inProcess === undefined) {
  print({scenario: 'latency', system: 'remote', ...latency});
} else {
  print({scenario: 'latency', system: 'remote', ...remote, target: 'p50 < 5 ms', ...shared, loadAverage: loadAverage()});
  print({scenario: 'latency', system: 'in-process', ...inProcess, ...shared});
}
