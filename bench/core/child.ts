/**
 * One (scenario, system) measurement in its own process, so RSS and CPU are its alone and a starved
 * event loop can be killed: `node bench/core/child.ts SCENARIO SYSTEM` writes one JSON line of
 * metrics, then terminates the engine and writes `{"terminateMs": …}`. Writes are synchronous, so a
 * line is out even if the process dies right after it.
 */
import {writeSync} from 'node:fs';
import {loadEngine} from './loadEngine.ts';
import {measureDispatch} from './measureDispatch.ts';
import {measureIdle} from './measureIdle.ts';
import {measureNoStarvation} from './measureNoStarvation.ts';
import {scenarios} from './scenarios.ts';
import type {Measurement, Metrics} from './types.ts';
import {round} from './utilities.ts';

/** How long the process may stay alive after terminate() before we call it a leak of ref'd handles. */
const EXIT_GRACE_MS = 2_000;

const writeLine = (metrics: Metrics) => {
  writeSync(process.stdout.fd, `${JSON.stringify(metrics)}\n`);
};

const [scenarioName = '', system] = process.argv.slice(2);
const scenario = scenarios[scenarioName];

if (scenario === undefined || system !== 'planton' && system !== 'planton@3') {
  process.stderr.write(`Usage: node bench/core/child.ts <${Object.keys(scenarios).join('|')}> <planton|planton@3>\n`);
  process.exit(2);
}

const startEngine = await loadEngine(system);

let measurement: Measurement;

if (scenario.kind === 'dispatch') {
  measurement = await measureDispatch(startEngine, scenario);
} else if (scenario.kind === 'idle') {
  measurement = await measureIdle(startEngine, scenario);
} else {
  measurement = await measureNoStarvation(startEngine, scenario);
}

writeLine(measurement.metrics);

const terminateStartedAt = performance.now();

await measurement.engine.terminate();
writeLine({terminateMs: round(performance.now() - terminateStartedAt)});

// After terminate() nothing should keep the process alive; if something does, say so and leave.
setTimeout(() => {
  process.stderr.write(`${system} ${scenarioName}: still alive ${EXIT_GRACE_MS} ms after terminate()\n`);
  process.exit(3);
}, EXIT_GRACE_MS).unref();
