import type {Check} from './types.ts';

export type RunSummary = {
  readonly database: 'mysql' | 'pglite' | 'postgres' | 'sqlite';
  readonly databaseLabel: string;
  readonly emailsSent: number;
  readonly errors: number;
  readonly purged: number;
  /** Seconds from the first claim until nothing was eligible (or until interrupted). */
  readonly seconds: number;
  readonly seedSeconds: number;
  /** How the run ended: it finished its work, or a signal stopped it (always so with --watch). */
  readonly state: 'COMPLETED' | 'INTERRUPTED';
  readonly users: number;
  /** The database checks; empty when the run was interrupted (nothing to compare against). */
  readonly checks: readonly Check[];
};

const formatCount = (value: number) => value.toLocaleString('en-US');

/** Whether every check holds (vacuously true when none ran). */
export const isVerified = (checks: readonly Check[]): boolean => {
  return checks.every((check) => check.actual === check.expected);
};

/**
 * The closing lines: what was done, how fast, what the database confirms, and last a JSON line
 * (`{"summary": …}`) for scripts and tests. Pure.
 */
export const formatSummary = (summary: RunSummary): string[] => {
  const rows = summary.purged + summary.emailsSent;
  const rowsPerSecond = summary.seconds > 0 ? Math.round(rows / summary.seconds) : 0;
  const failedChecks = summary.checks.filter((check) => check.actual !== check.expected);
  const verified = summary.state === 'COMPLETED' && failedChecks.length === 0;
  const lines = [
    `${summary.state === 'COMPLETED' ? 'done' : 'stopped'} on ${summary.databaseLabel}: ${formatCount(summary.users)} accounts seeded in ${summary.seedSeconds.toFixed(2)} s`,
    `  rows purged:  ${formatCount(summary.purged)}`,
    `  emails sent:  ${formatCount(summary.emailsSent)}`,
    `  time:         ${summary.seconds.toFixed(2)} s (${formatCount(rowsPerSecond)} rows/s)`,
    `  errors:       ${formatCount(summary.errors)}`,
  ];

  if (summary.state === 'INTERRUPTED') {
    lines.push('  verification: skipped (stopped by a signal)');
  } else if (verified) {
    lines.push(`  verification: ok (${summary.checks.length} checks: nothing eligible left, recent deletions and future emails untouched, each instruction completed once)`);
  } else {
    lines.push(`  verification: FAILED`);

    for (const check of failedChecks) {
      lines.push(`    ${check.label}: expected ${formatCount(check.expected)}, got ${formatCount(check.actual)}`);
    }
  }

  lines.push(JSON.stringify({
    summary: {
      database: summary.database,
      emailsSent: summary.emailsSent,
      errors: summary.errors,
      purged: summary.purged,
      rowsPerSecond,
      seconds: Number(summary.seconds.toFixed(3)),
      state: summary.state,
      users: summary.users,
      verified,
    },
  }));

  return lines;
};
