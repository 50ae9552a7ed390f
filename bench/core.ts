/**
 * `npm run bench -- core`: the engine against planton@3, scenario by scenario, each (scenario,
 * system) in its own child process (bench/core/child.ts). Prints one JSON line per measurement and,
 * after both systems of a scenario, a `"system": "ratio"` line (project / peer).
 */
import {compareSystems} from './core/compareSystems.ts';
import {runChild} from './core/runChild.ts';
import {scenarios} from './core/scenarios.ts';
import type {Metrics, Scenario, SystemName} from './core/types.ts';

const PROJECT: SystemName = 'planton';
const PEER: SystemName = 'planton@3';

const print = (scenarioName: string, system: SystemName | 'ratio', metrics: Metrics) => {
  process.stdout.write(`${JSON.stringify({bench: 'core', scenario: scenarioName, system, ...metrics})}\n`);
};

const measure = async (scenarioName: string, scenario: Scenario, system: SystemName): Promise<Metrics> => {
  const deadlineAfterArmedMs = scenario.kind === 'no-starvation' ? scenario.deadlineMs : undefined;
  const outcome = await runChild({deadlineAfterArmedMs, scenarioName, system});
  let metrics: Metrics;

  if (outcome.status === 'REPORTED') {
    metrics = outcome.metrics;
  } else if (outcome.status === 'KILLED_AT_DEADLINE') {
    // The event loop was starved: the timer never fired, so the child could not even say so.
    metrics = {killedAfterMs: deadlineAfterArmedMs ?? null, lateMs: null, timerFired: false};
  } else {
    metrics = {error: outcome.reason};
  }

  print(scenarioName, system, metrics);

  return metrics;
};

for (const [scenarioName, scenario] of Object.entries(scenarios)) {
  const project = await measure(scenarioName, scenario, PROJECT);
  const peer = await measure(scenarioName, scenario, PEER);

  print(scenarioName, 'ratio', {peer: PEER, project: PROJECT, ...compareSystems(scenario, project, peer)});
}
