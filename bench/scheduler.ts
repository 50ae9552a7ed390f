/**
 * `npm run bench -- scheduler`: the cron/processor layer (src/scheduler) on the local PostgreSQL
 * (PLANTON_BENCH_DATABASE_URL), each scenario in a fresh Node process on a fresh schema (dropped
 * afterwards). `precision`: 1,000 per-second crons for 30 s — lateness of each processor's start
 * against its slot, p50/p99/max. `throughput`: due jobs drained per second with a no-op processor.
 * One JSON line per scenario; settings in bench/scheduler/settings.ts (BENCH_SCHEDULER_* overrides).
 */
import {runChild} from './scheduler/runChild.ts';

for (const scenario of ['precision', 'throughput'] as const) {
  const metrics = await runChild(scenario);

  process.stdout.write(`${JSON.stringify({bench: 'scheduler', scenario, system: 'planton', ...metrics})}\n`);
}
