/**
 * The load generator, in its own process so that it does not share the server's event loop:
 * `node bench/server/loadChild.ts URL TASK SECONDS CONNECTIONS` runs autocannon against
 * `POST URL/v1/tasks/TASK/jobs` (keep-alive, no pipelining, the admin token), first for two seconds
 * that are not counted (Fastify's and the pool's warm-up), and prints the counted run as one JSON object.
 */
import autocannon from 'autocannon';
import {TOKEN} from './settings.ts';

const [url = '', task = '', seconds = '10', connections = '10'] = process.argv.slice(2);

const run = async (duration: number) => {
  return await autocannon({
    body: JSON.stringify({payload: {source: 'bench'}, runAt: new Date(Date.now() + 86_400_000).toISOString()}),
    connections: Number(connections),
    duration,
    headers: {authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json'},
    method: 'POST',
    url: `${url}/v1/tasks/${encodeURIComponent(task)}/jobs`,
  });
};

await run(2);

const result = await run(Number(seconds));
const round = (value: number) => Math.round(value * 100) / 100;

process.stdout.write(`${JSON.stringify({
  // Completed 2xx responses over the run's duration (autocannon's `requests.average` is the mean of its per-second samples).
  requestsPerSecond: Math.round(result['2xx'] / result.duration),
  p50Ms: round(result.latency.p50),
  p99Ms: round(result.latency.p99),
  maxMs: round(result.latency.max),
  requests: result['2xx'] + result.non2xx,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  durationS: round(result.duration),
})}\n`);
