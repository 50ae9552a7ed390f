import {createIdSource} from './createIdSource.ts';
import {round, sleep, yieldToEventLoop} from './utilities.ts';
import type {Measurement, Scenario, StartEngine} from './types.ts';

type DispatchScenario = Extract<Scenario, {kind: 'dispatch'}>;

/**
 * Throughput with work always available: delay 0, nothing active, and a `schedule` that yields once
 * to the event loop (as a query would) and returns `limit` fresh ids. Counts `task` events per second
 * after a warm-up.
 */
export const measureDispatch = async (startEngine: StartEngine, scenario: DispatchScenario): Promise<Measurement> => {
  const nextIds = createIdSource();
  let scheduleCalls = 0;
  let events = 0;

  const engine = startEngine({
    getActiveTaskInstructions: async () => [],
    tasks: Array.from({length: scenario.taskCount}, (_, index) => {
      return {
        concurrency: scenario.concurrency,
        delayMs: 0,
        name: `task-${index}`,
        schedule: async (limit: number) => {
          scheduleCalls++;
          await yieldToEventLoop();

          return nextIds(limit);
        },
      };
    }),
  });

  engine.onTask(() => {
    events++;
  });

  await sleep(scenario.warmUpMs);

  const eventsBefore = events;
  const callsBefore = scheduleCalls;
  const startedAt = performance.now();

  await sleep(scenario.durationMs);

  const seconds = (performance.now() - startedAt) / 1_000;

  return {
    engine,
    metrics: {
      durationMs: round(seconds * 1_000, 0),
      eventsPerSecond: round((events - eventsBefore) / seconds, 0),
      instructionType: 'string',
      scheduleCallsPerSecond: round((scheduleCalls - callsBefore) / seconds, 0),
    },
  };
};
