-- Version 3 of the scheduler's SQLite schema: the index that the job statistics read (PostgreSQL's
-- version 5).
--
-- scheduled_job_ended_idx   the DONE and ERROR jobs by end time, with the task, state and start
--                           time: summarizeJobs (the dashboard's charts of the last 24 hours) reads
--                           the jobs that ended in its range from it alone, however long the history is.

CREATE INDEX {{prefix}}scheduled_job_ended_idx ON {{prefix}}scheduled_job (ended_at, task_name, state, started_at)
  WHERE state IN ('DONE', 'ERROR');
