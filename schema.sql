-- Planton's PostgreSQL schema: every table of the store (planton/postgres) and of the scheduler
-- (planton/scheduler). PostgreSQL 14 or newer; PGlite included.
--
-- GENERATED from migrations/postgres/ by `npm run schema`: do not edit it; add a migration there
-- instead (a test fails while this file and the migrations disagree).
--
-- `psql --single-transaction -f schema.sql` applies it to an empty schema (the first of the
-- search_path), together with the tables that record which migrations it holds: createPostgresStore
-- and createPostgresSchedulerStore given that schema find it up to date and apply only what later
-- releases add. They also create all of it themselves when the schema is empty.
--
-- Each migration is copied byte for byte (databases record its checksum), comments included: the
-- store's version 1 was schema.sql itself before the migrations moved to migrations/postgres/.

-- store: the table recording its migrations

CREATE TABLE IF NOT EXISTS "planton_migration" (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- store, version 1: migrations/postgres/store/0001-schema.sql

-- Planton's PostgreSQL schema (PostgreSQL 14 or newer; PGlite included).
--
-- Plain SQL: `psql -f schema.sql` applies it to an empty database (into the first schema of the
-- search_path). createPostgresStore applies the same file itself, once, inside its own schema and
-- a migration transaction (see src/adapters/postgres/applyMigrations.ts), so never edit a version
-- that has shipped: add a new migration instead.
--
-- Execution states:
--   RUNNING     claimed and recorded; ended_at is NULL. At most one RUNNING execution per
--               (task, instruction): the unique partial index below is what makes a claim
--               exactly-once across any number of processes.
--   COMPLETED   the processor finished; ended_at set, error NULL.
--   FAILED      the processor reported an error; ended_at set, error holds serialize-error's JSON.
--   TERMINATED  the reaper found the execution's heartbeat (last_seen_at) older than the task's
--               maximum_execution_duration; ended_at, terminated_at and terminated_reason set.
-- Only RUNNING executions are "active": an instruction whose execution ended (in any state) may be
-- claimed again by the task's claim query.

CREATE TABLE maintenance_task (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  nid text NOT NULL,
  -- How long an execution may go without a heartbeat before the reaper terminates it.
  maximum_execution_duration interval NOT NULL DEFAULT interval '5 minutes',
  -- How many executions of the task may be RUNNING at once; 0 = use the concurrency given in code.
  maximum_concurrent_execution_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT maintenance_task_nid_key UNIQUE (nid),
  CONSTRAINT maintenance_task_nid_check CHECK (nid <> ''),
  CONSTRAINT maintenance_task_maximum_execution_duration_check CHECK (maximum_execution_duration > interval '0'),
  CONSTRAINT maintenance_task_maximum_concurrent_execution_count_check CHECK (maximum_concurrent_execution_count >= 0)
);

CREATE TABLE maintenance_task_execution (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  maintenance_task_id integer NOT NULL REFERENCES maintenance_task (id) ON DELETE CASCADE,
  -- A JSON string or number, so that 42 and '42' round-trip as what the claim query returned.
  instruction jsonb NOT NULL,
  state text NOT NULL DEFAULT 'RUNNING',
  hostname text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  ended_at timestamptz,
  error jsonb,
  terminated_at timestamptz,
  terminated_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT maintenance_task_execution_instruction_check CHECK (jsonb_typeof(instruction) IN ('number', 'string')),
  CONSTRAINT maintenance_task_execution_state_check CHECK (state IN ('RUNNING', 'COMPLETED', 'FAILED', 'TERMINATED')),
  CONSTRAINT maintenance_task_execution_ended_at_check CHECK ((state = 'RUNNING') = (ended_at IS NULL)),
  CONSTRAINT maintenance_task_execution_error_check CHECK ((state = 'FAILED') = (error IS NOT NULL)),
  CONSTRAINT maintenance_task_execution_terminated_at_check CHECK ((state = 'TERMINATED') = (terminated_at IS NOT NULL)),
  CONSTRAINT maintenance_task_execution_terminated_reason_check CHECK ((terminated_at IS NULL) = (terminated_reason IS NULL))
);

-- The active executions: what getActiveTaskInstructions and the reaper read, and the guard that
-- one instruction of one task is never RUNNING twice.
CREATE UNIQUE INDEX maintenance_task_execution_active_idx
  ON maintenance_task_execution (maintenance_task_id, instruction)
  WHERE ended_at IS NULL;

-- The foreign key's index, ordered for "the latest executions of a task".
CREATE INDEX maintenance_task_execution_maintenance_task_id_idx
  ON maintenance_task_execution (maintenance_task_id, id);

-- Wakes a task: the trigger installed by the store's installNotifyTrigger is named after the task's
-- channel, so this one function serves every table and task without any literal in its body.
CREATE FUNCTION notify_maintenance_task () RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify(TG_NAME, '');

  RETURN NULL;
END;
$$;

-- store, version 2: migrations/postgres/store/0002-combined-claim-check.sql

-- Version 2 of Planton's PostgreSQL schema (applied after schema.sql, version 1).
--
-- The store claims work and records its executions in ONE self-committing statement (a claim
-- query nested in a WITH that inserts the RUNNING executions): no explicit transaction, so one
-- round trip instead of three. Whatever that statement must not commit (more rows than the limit,
-- an instruction type it does not convert exactly) it rolls back by raising through this function,
-- with SQLSTATE PT001; the store then claims the two-statement way, inside a transaction, which
-- decides and reports exactly as it always did. SQLSTATE PT002: the claim would take the task past
-- its concurrency (the store's in-memory view of active executions was behind); the store then
-- reads the active executions and claims again.

CREATE FUNCTION assert_combined_claim (passes boolean, reason text, sql_state text) RETURNS boolean
LANGUAGE plpgsql
VOLATILE
AS $$
BEGIN
  IF passes IS NOT TRUE THEN
    RAISE EXCEPTION USING ERRCODE = sql_state, MESSAGE = reason;
  END IF;

  RETURN true;
END;
$$;

-- store, version 3: migrations/postgres/store/0003-claim-capacity.sql

-- Version 3 of Planton's PostgreSQL schema.
--
-- claim_token: the uuid the store generated for the claim that recorded the execution. A claim
-- whose reply was lost (the connection cut after the commit) is found again by it, and its
-- executions dispatched, instead of waiting for the reaper.
--
-- admit_claim: the task's concurrency across processes. A claim of `claimed` executions calls it
-- before it inserts them; it takes the task's transaction-scoped advisory lock, held to the claim's
-- commit, so the claims of one task admit themselves one at a time, and then counts the task's
-- RUNNING executions other than the claim's own (claim_token). The function is VOLATILE: in READ
-- COMMITTED (the default, and what the store's claims run in) its count takes a fresh snapshot,
-- which sees the executions a claim that held the lock before committed. It raises SQLSTATE PT002
-- when that count plus `claimed` exceeds `capacity`; otherwise it returns the count.
-- The lock's keys: 1668047213 ('clam' in ASCII, no other lock of Planton's uses it) and
-- hashtext(schema/task id), so that stores in two schemas of one database never wait for each
-- other (but on a hash collision). SET search_path FROM CURRENT keeps the function on the tables
-- of the schema it was created in, whatever the caller's search_path.

ALTER TABLE maintenance_task_execution ADD COLUMN claim_token uuid;

CREATE FUNCTION admit_claim (claiming_task_id integer, token uuid, claimed integer, capacity integer) RETURNS integer
LANGUAGE plpgsql
VOLATILE
SET search_path FROM CURRENT
AS $$
DECLARE
  active integer;
BEGIN
  IF claimed > 0 THEN
    PERFORM pg_advisory_xact_lock(1668047213, hashtext(current_schema() || '/' || claiming_task_id));
  END IF;

  SELECT count(*)::integer INTO active
  FROM maintenance_task_execution
  WHERE maintenance_task_id = claiming_task_id AND ended_at IS NULL AND claim_token IS DISTINCT FROM token;

  IF active + claimed > capacity THEN
    RAISE EXCEPTION USING ERRCODE = 'PT002', MESSAGE = format('%s active and %s claimed exceed the concurrency of %s', active, claimed, capacity);
  END IF;

  RETURN active;
END;
$$;

-- store, version 4: migrations/postgres/store/0004-instruction-attempts.sql

-- Version 4 of Planton's PostgreSQL schema: attempts, backoff and a dead state per instruction.
--
-- Before this version an execution that ended FAILED or TERMINATED made its instruction claimable
-- again at once, so an instruction that always fails (a poison instruction) was claimed, failed and
-- claimed again forever. Now each FAILED or TERMINATED end counts a failed attempt of its
-- (task, instruction) in maintenance_task_instruction_retry, in the same statement as the end:
--   attempt n failed, n < maximum_attempt_count  → retry_at = ended + least(maximum_retry_delay,
--                                                   retry_delay × 2^(n − 1)); not claimable before
--   attempt n failed, n >= maximum_attempt_count → dead_at set: DEAD, never claimable again until
--                                                   the row is deleted (the store's retryInstruction)
-- A COMPLETED end deletes the row (the next failure starts again from attempt 1). The store's
-- isActiveInstruction(expression) holds while the instruction is RUNNING, waits for retry_at, or is
-- dead, so claim queries that use it skip all three; those that do not get no backoff.

ALTER TABLE maintenance_task
  -- Attempts of one instruction (the first included) before it is dead; an operator may tune it here.
  ADD COLUMN maximum_attempt_count integer NOT NULL DEFAULT 25,
  -- The wait after the first failed attempt, doubled for each further one ...
  ADD COLUMN retry_delay interval NOT NULL DEFAULT interval '1 second',
  -- ... up to this.
  ADD COLUMN maximum_retry_delay interval NOT NULL DEFAULT interval '1 hour',
  ADD CONSTRAINT maintenance_task_maximum_attempt_count_check CHECK (maximum_attempt_count >= 1),
  ADD CONSTRAINT maintenance_task_retry_delay_check CHECK (retry_delay >= interval '0'),
  ADD CONSTRAINT maintenance_task_maximum_retry_delay_check CHECK (maximum_retry_delay >= retry_delay);

-- One row per (task, instruction) whose latest execution failed or was terminated: a row exists
-- only for instructions that are failing, so the claim's probe of it is one index lookup in an
-- almost always tiny table.
CREATE TABLE maintenance_task_instruction_retry (
  maintenance_task_id integer NOT NULL REFERENCES maintenance_task (id) ON DELETE CASCADE,
  instruction jsonb NOT NULL,
  -- Failed (or terminated) attempts since the instruction last completed.
  failed_attempt_count integer NOT NULL,
  -- The next attempt may not be claimed before this.
  retry_at timestamptz NOT NULL,
  -- Set when failed_attempt_count reached the task's maximum_attempt_count: DEAD.
  dead_at timestamptz,
  -- The execution whose end counted last, and its error (serialize-error's JSON; for a terminated
  -- execution, its terminated_reason).
  last_execution_id bigint NOT NULL,
  last_error jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (maintenance_task_id, instruction),
  CONSTRAINT maintenance_task_instruction_retry_failed_attempt_count_check CHECK (failed_attempt_count >= 0)
);

-- The dead instructions, newest first: what the store's listDeadInstructions reads.
CREATE INDEX maintenance_task_instruction_retry_dead_idx
  ON maintenance_task_instruction_retry (dead_at DESC)
  WHERE dead_at IS NOT NULL;

-- store, version 5: migrations/postgres/store/0005-execution-summary-indexes.sql

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

-- store: the migrations above, recorded

INSERT INTO "planton_migration" (version, name, checksum) VALUES
  (1, '0001-schema.sql', 'dccbb792662128e4685c92614d24a4fc82e435c2b4afc24a5ce2765846aa21e2'),
  (2, '0002-combined-claim-check.sql', '654c604c5068a9a8707d753603b917d694339058be785bc459b0b5608c617d3d'),
  (3, '0003-claim-capacity.sql', 'dd00fc4d1ca378299850c0d25799da8d33b79c80b54ae04d0c3e650feb725fb8'),
  (4, '0004-instruction-attempts.sql', 'ed1dc83e7fb99b21e6a4f80a992c3403fae26a311342fab1343ff7f254cb4ad8'),
  (5, '0005-execution-summary-indexes.sql', 'aa42b32270447f93363e6cc971c001c16de830d0968d9b8150fa94701e580b84');

-- scheduler: the table recording its migrations

CREATE TABLE IF NOT EXISTS "planton_scheduler_migration" (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- scheduler, version 1: migrations/postgres/scheduler/0001-scheduler-tables.sql

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

-- scheduler, version 2: migrations/postgres/scheduler/0002-pause-one-off-history.sql

-- Version 2 of the scheduler's PostgreSQL schema: paused tasks, one-off jobs, and the indexes that
-- page through the job history and count it.
--
-- scheduled_task.paused   a paused task gets no jobs for its slots and none of its jobs is claimed.
-- scheduled_job.kind      'SLOT' (made by the schedule, exactly one per task and slot) or 'ONE_OFF'
--                         (made by runTask, any number, scheduled_for = the run_at asked for). The
--                         unique key of a slot becomes a unique index over the 'SLOT' jobs alone.

ALTER TABLE scheduled_task ADD COLUMN paused boolean NOT NULL DEFAULT false;

ALTER TABLE scheduled_job ADD COLUMN kind text NOT NULL DEFAULT 'SLOT' CHECK (kind IN ('ONE_OFF', 'SLOT'));

CREATE UNIQUE INDEX scheduled_job_slot_key ON scheduled_job (task_name, scheduled_for) WHERE kind = 'SLOT';

ALTER TABLE scheduled_job DROP CONSTRAINT scheduled_job_task_name_scheduled_for_key;

-- The job history, newest first, per state: listJobs reads one range per state asked for (with or
-- without a task) and merges them, and countJobs counts a task's jobs by state from it.
CREATE INDEX scheduled_job_task_history_idx ON scheduled_job (task_name, state, scheduled_for DESC, id DESC);

CREATE INDEX scheduled_job_history_idx ON scheduled_job (state, scheduled_for DESC, id DESC);

-- scheduler, version 3: migrations/postgres/scheduler/0003-job-result.sql

-- Version 3 of the scheduler's PostgreSQL schema: a job's result.
--
-- scheduled_job.result   what the processor completed the job with (any JSON value), set when the
--                        job ends DONE; NULL otherwise (`onComplete` listeners and GET /v1/jobs/:id read it).

ALTER TABLE scheduled_job ADD COLUMN result jsonb;

-- scheduler, version 4: migrations/postgres/scheduler/0004-task-failure-index.sql

-- Version 4 of the scheduler's PostgreSQL schema: an index of the failures, newest first per task.
--
-- A task's last failure (getTaskDetails: the dashboard's overview and task page) was found by
-- reading scheduled_job_started_idx back from the newest job until a failure came up: at once for a
-- task that fails now and then, but through every job it ever ran for a task that never failed
-- (1.8 s at 50,000 such jobs among 1,000,000; bench/dashboard.ts). This partial index holds only the
-- failures, so the read is one index entry whatever the history.

CREATE INDEX scheduled_job_failure_idx ON scheduled_job (task_name, started_at DESC, id DESC)
  WHERE started_at IS NOT NULL AND (state = 'ERROR' OR (state = 'WAITING' AND error IS NOT NULL));

-- scheduler, version 5: migrations/postgres/scheduler/0005-ended-job-index.sql

-- Version 5 of the scheduler's PostgreSQL schema: the index that the job statistics read.
--
-- scheduled_job_ended_idx   the DONE and ERROR jobs by end time, with the task, state and start
--                           time included: summarizeJobs (the dashboard's charts of the last 24
--                           hours) reads the jobs that ended in its range alone, index-only, however
--                           long the history is.

CREATE INDEX scheduled_job_ended_idx ON scheduled_job (ended_at) INCLUDE (task_name, state, started_at)
  WHERE state IN ('DONE', 'ERROR');

-- scheduler: the migrations above, recorded

INSERT INTO "planton_scheduler_migration" (version, name, checksum) VALUES
  (1, '0001-scheduler-tables.sql', 'a63c5bd1b1163a0ab6181f6bab767e3e617c23dbf590e08de85b2530392e0490'),
  (2, '0002-pause-one-off-history.sql', 'ac6d842c116bc4801bc4d958dcec2e8b7e855a1362fd7a21dc866cf64dffccda'),
  (3, '0003-job-result.sql', '00223944ae1e080bc0e9df0a555d77d1e9bfe1a348596c5604285affeb9d3ee6'),
  (4, '0004-task-failure-index.sql', '25f5216bc52593077dd9d657d4b5131f2245b51c79d3e2618c1c326d2ae13340'),
  (5, '0005-ended-job-index.sql', '6a9d599830b9dae8ea0d99f7be92b3307a4bdeec59ad89e6ea32708d51fb17da');
