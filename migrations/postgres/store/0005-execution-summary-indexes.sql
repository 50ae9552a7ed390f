-- Version 5 of Planton's PostgreSQL schema: indexes for the store's summarizeExecutions (what the
-- dashboard's dispatch panel shows), so that it reads only the rows it counts on a large table.
--
-- The executions that ended since a time, with their task and state in the index itself: counting
-- them by task and state is an index-only scan of that time range. One more index entry per end.
CREATE INDEX maintenance_task_execution_ended_at_idx
  ON maintenance_task_execution (ended_at) INCLUDE (maintenance_task_id, state)
  WHERE ended_at IS NOT NULL;

-- The reaper's terminations (only it ends an execution TERMINATED), per task, latest last: a task's
-- latest termination and its latest few are read from the end of the index.
CREATE INDEX maintenance_task_execution_terminated_at_idx
  ON maintenance_task_execution (maintenance_task_id, terminated_at, id)
  WHERE terminated_at IS NOT NULL;
