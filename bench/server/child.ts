/**
 * One measurement in a fresh process: `node bench/server/child.ts SCENARIO SYSTEM SCHEMA` prints one
 * JSON object (the metrics) and exits. SCENARIO: `http` (SYSTEM `postgres` or `pglite`),
 * `throughput` or `latency` (SYSTEM `remote` or `in-process`).
 */
const [scenario = '', system = '', schema = ''] = process.argv.slice(2);

type Measure = (system: string, schema: string) => Promise<Record<string, unknown>>;

const modules: Record<string, () => Promise<{readonly measure: Measure}>> = {
  http: async () => await import('./measureHttp.ts') as {readonly measure: Measure},
  latency: async () => await import('./measureLatency.ts'),
  throughput: async () => await import('./measureThroughput.ts'),
};
const load = modules[scenario];

if (load === undefined) {
  process.stderr.write(`Unknown scenario ${scenario}\n`);
  process.exit(2);
}

const metrics = await (await load()).measure(system, schema);

process.stdout.write(`${JSON.stringify(metrics)}\n`);
process.exit(0);
