-- Version 5 of the scheduler's PostgreSQL schema: the index that the job statistics read.
--
-- scheduled_job_ended_idx   the DONE and ERROR jobs by end time, with the task, state and start
--                           time included: summarizeJobs (the dashboard's charts of the last 24
--                           hours) reads the jobs that ended in its range alone, index-only, however
--                           long the history is.

CREATE INDEX scheduled_job_ended_idx ON scheduled_job (ended_at) INCLUDE (task_name, state, started_at)
  WHERE state IN ('DONE', 'ERROR');
