import type {TaskInstruction} from '../../planton/types.ts';
import type {SqliteQueries} from './createSqliteQueries.ts';

/** One execution to end, and how. */
export type SqliteEnd = {
  /** serialize-error's JSON for FAILED; for TERMINATED, written only as the retry row's last error. */
  readonly error: string | null;
  readonly id: number;
  readonly state: 'COMPLETED' | 'FAILED' | 'TERMINATED';
};

/** An execution that ended FAILED or TERMINATED, with its instruction's failed attempts now. */
export type SqliteFailedAttempt = {
  readonly attempts: number;
  /** Whether this attempt made the instruction dead (it was not before). */
  readonly dead: boolean;
  readonly error: unknown;
  readonly id: number;
  readonly instruction: TaskInstruction;
  readonly taskName: string;
};

const TERMINATED_REASON = 'last_seen_at older than maximum_execution_duration';

/**
 * Ends RUNNING executions (call it inside runImmediateTransaction): COMPLETED forgets the
 * instruction's failed attempts; FAILED and TERMINATED count one, as the PostgreSQL store's
 * countFailedAttempts does: attempt n is followed by a wait of min(maximum_retry_delay,
 * retry_delay × 2^(n − 1)), and makes the instruction dead once n reaches maximum_attempt_count
 * (the task row's policy, so an operator's tuning applies at once). Under the write lock the retry
 * row read is the latest: no other writer runs between the read and the write. Resolves with the
 * ids it ended (those not running are skipped) and the failed attempts it counted.
 */
export const endSqliteExecutions = (queries: SqliteQueries, ends: readonly SqliteEnd[], now: number): {readonly attempts: readonly SqliteFailedAttempt[]; readonly ended: readonly number[]} => {
  const ended: number[] = [];
  const attempts: SqliteFailedAttempt[] = [];
  // Completions go as one statement (the common case: a processor's batch of thousands), and
  // clear failed attempts only when some instruction has any.
  const completed = queries.completeExecutions(ends.filter((end) => end.state === 'COMPLETED').map((end) => end.id), now);

  if (completed.length > 0 && queries.hasRetries()) {
    for (const execution of completed) {
      queries.deleteRetry(execution.taskId, execution.instruction);
    }
  }

  ended.push(...completed.map((execution) => execution.id));

  for (const {error, id, state} of ends.filter((end) => end.state !== 'COMPLETED')) {
    const execution = queries.endExecution(id, {
      error: state === 'FAILED' ? error ?? 'null' : null,
      now,
      reason: state === 'TERMINATED' ? TERMINATED_REASON : null,
      state,
    });

    if (execution === undefined) {
      continue;
    }

    ended.push(id);

    const lastError = state === 'TERMINATED' ? JSON.stringify({code: 'EXECUTION_TERMINATED', message: TERMINATED_REASON}) : error ?? 'null';
    const policy = queries.selectRetryContext(execution.taskId, execution.instruction);
    const attempt = policy.failedAttemptCount + 1;
    const delay = Math.min(policy.maximumRetryDelay, policy.retryDelay * 2 ** Math.min(attempt - 1, 30));
    const dead = policy.deadAt === null && attempt >= policy.maximumAttemptCount;

    queries.upsertRetry({
      attempts: attempt,
      deadAt: policy.deadAt ?? (dead ? now : null),
      error: lastError,
      executionId: id,
      instruction: execution.instruction,
      now,
      retryAt: now + delay,
      taskId: execution.taskId,
    });

    attempts.push({attempts: attempt, dead, error: JSON.parse(lastError) as unknown, id, instruction: execution.instruction, taskName: execution.taskName});
  }

  return {attempts, ended};
};
