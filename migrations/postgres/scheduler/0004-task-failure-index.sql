-- Version 4 of the scheduler's PostgreSQL schema: an index of the failures, newest first per task.
--
-- A task's last failure (getTaskDetails: the dashboard's overview and task page) was found by
-- reading scheduled_job_started_idx back from the newest job until a failure came up: at once for a
-- task that fails now and then, but through every job it ever ran for a task that never failed
-- (1.8 s at 50,000 such jobs among 1,000,000; bench/dashboard.ts). This partial index holds only the
-- failures, so the read is one index entry whatever the history.

CREATE INDEX scheduled_job_failure_idx ON scheduled_job (task_name, started_at DESC, id DESC)
  WHERE started_at IS NOT NULL AND (state = 'ERROR' OR (state = 'WAITING' AND error IS NOT NULL));
