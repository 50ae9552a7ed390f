/**
 * One measurement in a fresh process: `node bench/postgres/child.ts SCENARIO SYSTEM` prints one
 * JSON object (the metrics) and exits.
 */
const [scenario, system] = process.argv.slice(2);
const module = await import(`./${scenario === 'latency' ? 'latency' : 'throughput'}/${String(system)}.ts`) as {measure: () => Promise<Record<string, unknown>>};
const metrics = await module.measure();

process.stdout.write(`${JSON.stringify(metrics)}\n`);
process.exit(0);
