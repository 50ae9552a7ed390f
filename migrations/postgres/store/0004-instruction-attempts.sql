-- Version 4 of Planton's PostgreSQL schema: attempts, backoff and a dead state per instruction.
--
-- Before this version an execution that ended FAILED or TERMINATED made its instruction claimable
-- again at once, so an instruction that always fails (a poison instruction) was claimed, failed and
-- claimed again forever. Now each FAILED or TERMINATED end counts a failed attempt of its
-- (task, instruction) in maintenance_task_instruction_retry, in the same statement as the end:
--   attempt n failed, n < maximum_attempt_count  → retry_at = ended + least(maximum_retry_delay,
--                                                   retry_delay × 2^(n − 1)); not claimable before
--   attempt n failed, n >= maximum_attempt_count → dead_at set: DEAD, never claimable again until
--                                                   the row is deleted (the store's retryInstruction)
-- A COMPLETED end deletes the row (the next failure starts again from attempt 1). The store's
-- isActiveInstruction(expression) holds while the instruction is RUNNING, waits for retry_at, or is
-- dead, so claim queries that use it skip all three; those that do not get no backoff.

ALTER TABLE maintenance_task
  -- Attempts of one instruction (the first included) before it is dead; an operator may tune it here.
  ADD COLUMN maximum_attempt_count integer NOT NULL DEFAULT 25,
  -- The wait after the first failed attempt, doubled for each further one ...
  ADD COLUMN retry_delay interval NOT NULL DEFAULT interval '1 second',
  -- ... up to this.
  ADD COLUMN maximum_retry_delay interval NOT NULL DEFAULT interval '1 hour',
  ADD CONSTRAINT maintenance_task_maximum_attempt_count_check CHECK (maximum_attempt_count >= 1),
  ADD CONSTRAINT maintenance_task_retry_delay_check CHECK (retry_delay >= interval '0'),
  ADD CONSTRAINT maintenance_task_maximum_retry_delay_check CHECK (maximum_retry_delay >= retry_delay);

-- One row per (task, instruction) whose latest execution failed or was terminated: a row exists
-- only for instructions that are failing, so the claim's probe of it is one index lookup in an
-- almost always tiny table.
CREATE TABLE maintenance_task_instruction_retry (
  maintenance_task_id integer NOT NULL REFERENCES maintenance_task (id) ON DELETE CASCADE,
  instruction jsonb NOT NULL,
  -- Failed (or terminated) attempts since the instruction last completed.
  failed_attempt_count integer NOT NULL,
  -- The next attempt may not be claimed before this.
  retry_at timestamptz NOT NULL,
  -- Set when failed_attempt_count reached the task's maximum_attempt_count: DEAD.
  dead_at timestamptz,
  -- The execution whose end counted last, and its error (serialize-error's JSON; for a terminated
  -- execution, its terminated_reason).
  last_execution_id bigint NOT NULL,
  last_error jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (maintenance_task_id, instruction),
  CONSTRAINT maintenance_task_instruction_retry_failed_attempt_count_check CHECK (failed_attempt_count >= 0)
);

-- The dead instructions, newest first: what the store's listDeadInstructions reads.
CREATE INDEX maintenance_task_instruction_retry_dead_idx
  ON maintenance_task_instruction_retry (dead_at DESC)
  WHERE dead_at IS NOT NULL;
