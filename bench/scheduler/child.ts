/**
 * One measurement in a fresh process: `node bench/scheduler/child.ts SCENARIO SCHEMA` prints one JSON object
 * (the metrics) and exits.
 */
const [scenario, schema = ''] = process.argv.slice(2);
const module = await import(scenario === 'precision' ? './measurePrecision.ts' : './measureThroughput.ts') as {measure: (schema: string) => Promise<Record<string, unknown>>};
const metrics = await module.measure(schema);

process.stdout.write(`${JSON.stringify(metrics)}\n`);
process.exit(0);
