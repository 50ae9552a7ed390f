-- Version 3 of the scheduler's PostgreSQL schema: a job's result.
--
-- scheduled_job.result   what the processor completed the job with (any JSON value), set when the
--                        job ends DONE; NULL otherwise (`onComplete` listeners and GET /v1/jobs/:id read it).

ALTER TABLE scheduled_job ADD COLUMN result jsonb;
