-- Version 1 of the scheduler's SQLite schema (planton/scheduler, createSqliteSchedulerStore; SQLite
-- 3.37 or newer: STRICT tables). The same model as the PostgreSQL schema
-- (migrations/postgres/scheduler/, versions 1 and 2) in one file.
--
-- {{prefix}} stands for the store's `tablePrefix` (default `planton_`): applySqliteMigrations puts
-- it in before running the file under SQLite's write lock (BEGIN IMMEDIATE), so stores with
-- different prefixes share one file. Never edit a version that has shipped: add a new migration.
--
-- Times are integer milliseconds since the Unix epoch, written by the store from the scheduler's
-- clock (so tests steer them); durations are milliseconds. JSON values (schedule, retry, payload,
-- error) are stored as their JSON text.
--
-- scheduled_task      one row per task: its schedule, limits and retry policy, whether it is paused,
--                     and the last slot planned (last_slot) and the next one due (next_run_at).
-- scheduled_job       one row per job. The unique index on (task_name, scheduled_for) over the
--                     'SLOT' jobs is what makes each slot produce exactly one job across any number
--                     of instances; 'ONE_OFF' jobs (runTask) stand apart. States: SCHEDULED (pending
--                     its first attempt), WAITING (pending a later one), RUNNING (held under a lease
--                     until lease_until), DONE, ERROR, CANCELED.
-- scheduled_job_log   what a job logged (message, progress, step), per attempt.

CREATE TABLE {{prefix}}scheduled_task (
  name text PRIMARY KEY,
  schedule text NOT NULL,
  timeout_ms real NOT NULL CHECK (timeout_ms > 0),
  concurrency integer NOT NULL CHECK (concurrency >= 1),
  misfire text NOT NULL CHECK (misfire IN ('all', 'once', 'skip')),
  retry text NOT NULL,
  payload text,
  paused integer NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  created_at integer NOT NULL,
  updated_at integer NOT NULL,
  last_slot integer,
  next_run_at integer
) STRICT;

-- AUTOINCREMENT: an id is never given twice, even after the newest jobs were pruned (ids are the
-- keyset cursor of listJobs and pruneJobs, and what a remote processor's result names).
CREATE TABLE {{prefix}}scheduled_job (
  id integer PRIMARY KEY AUTOINCREMENT,
  task_name text NOT NULL,
  kind text NOT NULL DEFAULT 'SLOT' CHECK (kind IN ('ONE_OFF', 'SLOT')),
  scheduled_for integer NOT NULL,
  slot_count integer NOT NULL DEFAULT 1,
  run_at integer NOT NULL,
  state text NOT NULL CHECK (state IN ('CANCELED', 'DONE', 'ERROR', 'RUNNING', 'SCHEDULED', 'WAITING')),
  attempt integer NOT NULL DEFAULT 0,
  no_processor_count integer NOT NULL DEFAULT 0,
  payload text,
  worker text,
  created_at integer NOT NULL,
  started_at integer,
  lease_until integer,
  ended_at integer,
  progress real,
  step text,
  error text
) STRICT;

-- Exactly one job per task and slot.
CREATE UNIQUE INDEX {{prefix}}scheduled_job_slot_key ON {{prefix}}scheduled_job (task_name, scheduled_for) WHERE kind = 'SLOT';

-- The jobs waiting for their time, a retry or a processor: what the claim reads.
CREATE INDEX {{prefix}}scheduled_job_pending_idx ON {{prefix}}scheduled_job (task_name, run_at)
  WHERE state IN ('SCHEDULED', 'WAITING');

-- The running jobs by lease: what counts a task's running jobs and finds expired leases.
CREATE INDEX {{prefix}}scheduled_job_running_idx ON {{prefix}}scheduled_job (task_name, lease_until)
  WHERE state = 'RUNNING';

-- "The latest runs of a task".
CREATE INDEX {{prefix}}scheduled_job_started_idx ON {{prefix}}scheduled_job (task_name, started_at DESC)
  WHERE started_at IS NOT NULL;

-- The job history, newest first, per state: listJobs reads one range per state asked for (with or
-- without a task) and merges them, and countJobs counts a task's jobs by state from it.
CREATE INDEX {{prefix}}scheduled_job_task_history_idx ON {{prefix}}scheduled_job (task_name, state, scheduled_for DESC, id DESC);

CREATE INDEX {{prefix}}scheduled_job_history_idx ON {{prefix}}scheduled_job (state, scheduled_for DESC, id DESC);

-- The store deletes a job's log lines itself before the job (a connection may run with foreign keys
-- off); the cascade is for anyone deleting by hand with them on.
CREATE TABLE {{prefix}}scheduled_job_log (
  id integer PRIMARY KEY,
  job_id integer NOT NULL REFERENCES {{prefix}}scheduled_job (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  created_at integer NOT NULL,
  message text,
  progress real,
  step text
) STRICT;

CREATE INDEX {{prefix}}scheduled_job_log_job_idx ON {{prefix}}scheduled_job_log (job_id, id);
