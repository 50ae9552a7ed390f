import type {ChaosContext, Scenario, ScenarioResult} from './types.ts';

type Measured = Omit<ScenarioResult, 'atLeastOnce' | 'kind' | 'misses' | 'passed' | 'reaped' | 'scenario' | 'twice'> & {readonly reaped?: number};

/**
 * The targets: nothing lost, nothing run twice beyond the documented at-least-once cases, recovery
 * within `recoveryTargetMs`; for the cut after COMMIT, the claim's executions recovered without
 * waiting for the reaper.
 */
export const judge = (scenario: Scenario, {timing}: ChaosContext, measured: Measured): ScenarioResult => {
  const misses: string[] = [];
  const reaped = measured.reaped ?? null;

  if (measured.lost > 0) {
    misses.push(`${measured.lost} lost`);
  }

  if (measured.twiceCases.length > 0) {
    misses.push(`${measured.twiceCases.length} run twice outside the at-least-once cases`);
  }

  if (measured.recoveryMs === null) {
    misses.push(`not recovered within the drain time (${timing.drainMs} ms)`);
  } else if (measured.recoveryMs >= timing.recoveryTargetMs) {
    misses.push(`recovery ${measured.recoveryMs} ms >= ${timing.recoveryTargetMs} ms`);
  }

  if (scenario.fault.type === 'cut' && (reaped ?? 0) > 0) {
    misses.push('the executions of the cut claim were recovered by the reaper only');
  }

  return {
    scenario: scenario.name,
    kind: scenario.kind,
    ...measured,
    atLeastOnce: measured.atLeastOnceCases.length,
    misses,
    passed: misses.length === 0,
    reaped,
    twice: measured.twiceCases.length,
  };
};
