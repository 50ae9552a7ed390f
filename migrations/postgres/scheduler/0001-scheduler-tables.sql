-- Version 1 of the scheduler's PostgreSQL schema (planton/scheduler, createPostgresSchedulerStore).
--
-- scheduled_task      one row per task: its schedule, limits and retry policy, and the last slot
--                     planned (last_slot) and the next one due (next_run_at).
-- scheduled_job       one row per job. UNIQUE (task_name, scheduled_for) is what makes each slot
--                     produce exactly one job across any number of instances. States: SCHEDULED
--                     (pending its first attempt), WAITING (pending a later one), RUNNING (held
--                     under a lease until lease_until), DONE, ERROR, CANCELED.
-- scheduled_job_log   what a job logged (message, progress, step), per attempt.
--
-- Releases before the versioned migrations created these tables with the same statements, each
-- CREATE … IF NOT EXISTS, and recorded nothing; the IF NOT EXISTS kept here lets this version find
-- such a schema and adopt it as version 1 unchanged. Later versions are plain DDL.

CREATE TABLE IF NOT EXISTS scheduled_task (
  name text PRIMARY KEY,
  schedule jsonb NOT NULL,
  timeout_ms double precision NOT NULL CHECK (timeout_ms > 0),
  concurrency integer NOT NULL CHECK (concurrency >= 1),
  misfire text NOT NULL CHECK (misfire IN ('all', 'once', 'skip')),
  retry jsonb NOT NULL,
  payload jsonb,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  last_slot timestamptz,
  next_run_at timestamptz
);

CREATE TABLE IF NOT EXISTS scheduled_job (
  id bigserial PRIMARY KEY,
  task_name text NOT NULL,
  scheduled_for timestamptz NOT NULL,
  slot_count integer NOT NULL DEFAULT 1,
  run_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('CANCELED', 'DONE', 'ERROR', 'RUNNING', 'SCHEDULED', 'WAITING')),
  attempt integer NOT NULL DEFAULT 0,
  no_processor_count integer NOT NULL DEFAULT 0,
  payload jsonb,
  worker text,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  lease_until timestamptz,
  ended_at timestamptz,
  progress double precision,
  step text,
  error jsonb,
  UNIQUE (task_name, scheduled_for)
);

-- The jobs waiting for their time, a retry or a processor: what the claim reads.
CREATE INDEX IF NOT EXISTS scheduled_job_pending_idx ON scheduled_job (task_name, run_at)
  WHERE state IN ('SCHEDULED', 'WAITING');

-- The running jobs by lease: what counts a task's running jobs and finds expired leases.
CREATE INDEX IF NOT EXISTS scheduled_job_running_idx ON scheduled_job (task_name, lease_until)
  WHERE state = 'RUNNING';

-- "The latest runs of a task".
CREATE INDEX IF NOT EXISTS scheduled_job_started_idx ON scheduled_job (task_name, started_at DESC)
  WHERE started_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS scheduled_job_log (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES scheduled_job (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  created_at timestamptz NOT NULL,
  message text,
  progress double precision,
  step text
);

CREATE INDEX IF NOT EXISTS scheduled_job_log_job_idx ON scheduled_job_log (job_id, id);
