-- Version 3 of the scheduler's MySQL schema: the index that the job statistics read (PostgreSQL's
-- version 5).
--
-- ended_idx   the jobs by state and end time, with the task and start time: summarizeJobs (the
--             dashboard's charts of the last 24 hours) reads, from it alone, one range per ended
--             state (DONE, ERROR) of the jobs that ended in its range, however long the history is.
--
-- Safe to run again: a process that died after this statement, before the version was recorded,
-- finds the index there (ER_DUP_KEYNAME), which applyMysqlMigrations passes over.

ALTER TABLE {{scheduled_job}} ADD KEY ended_idx (state, ended_at, task_name, started_at);
