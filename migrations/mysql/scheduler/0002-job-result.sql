-- Version 2 of the scheduler's MySQL schema: a job's result (PostgreSQL's version 3).
--
-- scheduled_job.result   what the processor completed the job with (any JSON value, as JSON text in
--                        LONGTEXT, as payload and error are: see version 1), set when the job ends
--                        DONE; NULL otherwise (`onComplete` listeners and GET /v1/jobs/:id read it).
--
-- Safe to run again: a process that died after this statement, before the version was recorded,
-- finds the column there (ER_DUP_FIELDNAME), which applyMysqlMigrations passes over. Plain ADD
-- COLUMN, not ADD COLUMN IF NOT EXISTS: MySQL 8 has no such clause (only MariaDB does).

ALTER TABLE {{scheduled_job}} ADD COLUMN result LONGTEXT NULL;
