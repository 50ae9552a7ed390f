import {round, sleep, toMegabytes} from './utilities.ts';
import type {Measurement, Scenario, StartEngine} from './types.ts';

type IdleScenario = Extract<Scenario, {kind: 'idle'}>;

/**
 * The cost of many tasks with nothing to do: each waits `delayMs`, finds nothing and waits again.
 * CPU is user + system time over wall time (100 = one core); RSS is read at the end, peak RSS is the
 * process's high-water mark (creation included).
 */
export const measureIdle = async (startEngine: StartEngine, scenario: IdleScenario): Promise<Measurement> => {
  let scheduleCalls = 0;
  const baselineRss = process.memoryUsage().rss;

  const engine = startEngine({
    getActiveTaskInstructions: async () => [],
    tasks: Array.from({length: scenario.taskCount}, (_, index) => {
      return {
        concurrency: 1,
        delayMs: scenario.delayMs,
        name: `task-${index}`,
        schedule: async () => {
          scheduleCalls++;

          return [];
        },
      };
    }),
  });

  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();

  await sleep(scenario.durationMs);

  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - startedAt;
  const {heapUsed, rss} = process.memoryUsage();
  // maxRSS is in kilobytes.
  const peakRss = process.resourceUsage().maxRSS * 1_024;

  return {
    engine,
    metrics: {
      baselineRssMB: toMegabytes(baselineRss),
      cpuPercent: round((cpu.user + cpu.system) / 1_000 / wallMs * 100),
      durationMs: round(wallMs, 0),
      heapUsedMB: toMegabytes(heapUsed),
      peakRssMB: toMegabytes(peakRss),
      // What the tasks cost, without the runtime and the modules loaded before they started.
      rssAboveBaselineMB: toMegabytes(rss - baselineRss),
      rssMB: toMegabytes(rss),
      scheduleCallsPerSecond: round(scheduleCalls / wallMs * 1_000, 0),
    },
  };
};
