-- Version 2 of the scheduler's SQLite schema: a job's result (PostgreSQL's version 3).
--
-- scheduled_job.result   what the processor completed the job with (any JSON value, as its JSON
--                        text, as payload and error are), set when the job ends DONE; NULL otherwise
--                        (`onComplete` listeners and GET /v1/jobs/:id read it).

ALTER TABLE {{prefix}}scheduled_job ADD COLUMN result text;
