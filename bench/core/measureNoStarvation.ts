import {writeSync} from 'node:fs';
import {createIdSource} from './createIdSource.ts';
import {round} from './utilities.ts';
import type {Measurement, Scenario, StartEngine} from './types.ts';

type NoStarvationScenario = Extract<Scenario, {kind: 'no-starvation'}>;

/** The line that tells the parent the timer is armed (its kill deadline starts then). */
export const ARMED = 'armed';

/**
 * Whether a busy task leaves room for the rest of the process: delay 0 and a `schedule` that
 * resolves `limit` ids without any I/O, while a `timerMs` timer is armed. Reports how late the timer
 * fires. If the engine never yields a macrotask, it never fires, and the parent kills this process.
 */
export const measureNoStarvation = async (startEngine: StartEngine, scenario: NoStarvationScenario): Promise<Measurement> => {
  const nextIds = createIdSource();
  let events = 0;

  const engine = startEngine({
    getActiveTaskInstructions: async () => [],
    tasks: [
      {
        concurrency: scenario.concurrency,
        delayMs: 0,
        name: 'busy',
        schedule: async (limit: number) => nextIds(limit),
      },
    ],
  });

  engine.onTask(() => {
    events++;
  });

  const armedAt = performance.now();
  const fired = new Promise<number>((resolve) => {
    setTimeout(() => {
      resolve(performance.now());
    }, scenario.timerMs);
  });

  // Synchronous, so the parent hears it even if the event loop starves from here on.
  writeSync(process.stdout.fd, `${ARMED}\n`);

  const firedAt = await fired;

  return {
    engine,
    metrics: {
      eventsBeforeTimer: events,
      // Node may fire a hair early against performance.now() (its timers count from the loop's cached time).
      lateMs: round(Math.max(0, firedAt - armedAt - scenario.timerMs)),
      timerFired: true,
      timerMs: scenario.timerMs,
    },
  };
};
