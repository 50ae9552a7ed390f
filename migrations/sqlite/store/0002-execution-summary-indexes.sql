-- Version 2 of Planton's SQLite dispatch store schema: the indexes of summarizeExecutions (see
-- migrations/postgres/store/0005-execution-summary-indexes.sql).
--
-- The executions that ended since a time, covering their task and state: counting them is a read
-- of that range of the index alone.
CREATE INDEX {{prefix}}maintenance_task_execution_ended_at_idx
  ON {{prefix}}maintenance_task_execution (ended_at, maintenance_task_id, state)
  WHERE ended_at IS NOT NULL;

-- The reaper's terminations (only it ends an execution TERMINATED), per task, latest last.
CREATE INDEX {{prefix}}maintenance_task_execution_terminated_at_idx
  ON {{prefix}}maintenance_task_execution (maintenance_task_id, terminated_at, id)
  WHERE terminated_at IS NOT NULL;
