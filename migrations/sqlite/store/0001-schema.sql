-- Planton's SQLite schema for the dispatch store (SQLite 3.37 or newer: STRICT tables).
--
-- {{prefix}} stands for the store's `tablePrefix` (default `planton_`): applySqliteMigrations puts
-- it in before running the file under SQLite's write lock (BEGIN IMMEDIATE), so stores with
-- different prefixes share one file. Never edit a version that has shipped: add a new migration.
--
-- The same model as the PostgreSQL schema (migrations/postgres/store/, versions 1 to 4) in one
-- file. Times are integer milliseconds since the Unix epoch, written by the store from its clock
-- (so tests steer them), durations integer milliseconds.
--
-- Execution states:
--   RUNNING     claimed and recorded; ended_at is NULL. At most one RUNNING execution per
--               (task, instruction): the unique partial index below.
--   COMPLETED   the processor finished; ended_at set, error NULL.
--   FAILED      the processor reported an error; ended_at set, error holds serialize-error's JSON.
--   TERMINATED  the reaper found the execution's heartbeat (last_seen_at) older than the task's
--               maximum_execution_duration; ended_at, terminated_at and terminated_reason set.
--
-- Instructions are stored as what they are (a column of type ANY in a STRICT table keeps the
-- integer 42, the real 1.5 and the text '42' apart), so that they round-trip as the claim returned
-- them.

CREATE TABLE {{prefix}}maintenance_task (
  id integer PRIMARY KEY,
  nid text NOT NULL,
  -- How long an execution may go without a heartbeat before the reaper terminates it (ms).
  maximum_execution_duration integer NOT NULL DEFAULT 300000,
  -- How many executions of the task may be RUNNING at once; 0 = use the concurrency given in code.
  maximum_concurrent_execution_count integer NOT NULL DEFAULT 0,
  -- Attempts of one instruction (the first included) before it is dead.
  maximum_attempt_count integer NOT NULL DEFAULT 25,
  -- The wait after the first failed attempt (ms), doubled for each further one ...
  retry_delay integer NOT NULL DEFAULT 1000,
  -- ... up to this (ms).
  maximum_retry_delay integer NOT NULL DEFAULT 3600000,
  -- When notifyTask last woke the task: a write, so that other processes' stores see the file
  -- change (PRAGMA data_version) and wake their subscribers (SQLite has no LISTEN/NOTIFY).
  notified_at integer,
  created_at integer NOT NULL,
  CONSTRAINT {{prefix}}maintenance_task_nid_key UNIQUE (nid),
  CONSTRAINT {{prefix}}maintenance_task_nid_check CHECK (nid <> ''),
  CONSTRAINT {{prefix}}maintenance_task_maximum_execution_duration_check CHECK (maximum_execution_duration > 0),
  CONSTRAINT {{prefix}}maintenance_task_maximum_concurrent_execution_count_check CHECK (maximum_concurrent_execution_count >= 0),
  CONSTRAINT {{prefix}}maintenance_task_maximum_attempt_count_check CHECK (maximum_attempt_count >= 1),
  CONSTRAINT {{prefix}}maintenance_task_retry_delay_check CHECK (retry_delay >= 0),
  CONSTRAINT {{prefix}}maintenance_task_maximum_retry_delay_check CHECK (maximum_retry_delay >= retry_delay)
) STRICT;

CREATE TABLE {{prefix}}maintenance_task_execution (
  -- AUTOINCREMENT: an id is never used twice, even after rows are deleted, so a late completion
  -- by id can never end another execution.
  id integer PRIMARY KEY AUTOINCREMENT,
  maintenance_task_id integer NOT NULL REFERENCES {{prefix}}maintenance_task (id) ON DELETE CASCADE,
  instruction any NOT NULL,
  state text NOT NULL DEFAULT 'RUNNING',
  hostname text NOT NULL,
  started_at integer NOT NULL,
  last_seen_at integer NOT NULL,
  ended_at integer,
  -- serialize-error's JSON.
  error text,
  terminated_at integer,
  terminated_reason text,
  created_at integer NOT NULL,
  CONSTRAINT {{prefix}}maintenance_task_execution_instruction_check CHECK (typeof(instruction) IN ('integer', 'real', 'text')),
  CONSTRAINT {{prefix}}maintenance_task_execution_state_check CHECK (state IN ('RUNNING', 'COMPLETED', 'FAILED', 'TERMINATED')),
  CONSTRAINT {{prefix}}maintenance_task_execution_ended_at_check CHECK ((state = 'RUNNING') = (ended_at IS NULL)),
  CONSTRAINT {{prefix}}maintenance_task_execution_error_check CHECK ((state = 'FAILED') = (error IS NOT NULL)),
  CONSTRAINT {{prefix}}maintenance_task_execution_terminated_at_check CHECK ((state = 'TERMINATED') = (terminated_at IS NOT NULL)),
  CONSTRAINT {{prefix}}maintenance_task_execution_terminated_reason_check CHECK ((terminated_at IS NULL) = (terminated_reason IS NULL))
) STRICT;

-- The active executions: what getActiveTaskInstructions, the claim's isActiveInstruction and the
-- reaper read, and the guard that one instruction of one task is never RUNNING twice.
CREATE UNIQUE INDEX {{prefix}}maintenance_task_execution_active_idx
  ON {{prefix}}maintenance_task_execution (maintenance_task_id, instruction)
  WHERE ended_at IS NULL;

-- The foreign key's index, ordered for "the latest executions of a task".
CREATE INDEX {{prefix}}maintenance_task_execution_maintenance_task_id_idx
  ON {{prefix}}maintenance_task_execution (maintenance_task_id, id);

-- One row per (task, instruction) whose latest execution failed or was terminated (see
-- migrations/postgres/store/0004-instruction-attempts.sql): attempt n failed, n < maximum_attempt_count
-- → retry_at = ended + min(maximum_retry_delay, retry_delay × 2^(n − 1)); n >= maximum_attempt_count
-- → dead_at set (DEAD) until the row is deleted (the store's retryInstruction). A COMPLETED end
-- deletes the row.
CREATE TABLE {{prefix}}maintenance_task_instruction_retry (
  maintenance_task_id integer NOT NULL REFERENCES {{prefix}}maintenance_task (id) ON DELETE CASCADE,
  instruction any NOT NULL,
  failed_attempt_count integer NOT NULL,
  retry_at integer NOT NULL,
  dead_at integer,
  last_execution_id integer NOT NULL,
  -- serialize-error's JSON (for a terminated execution, {code: 'EXECUTION_TERMINATED', message}).
  last_error text NOT NULL,
  updated_at integer NOT NULL,
  PRIMARY KEY (maintenance_task_id, instruction),
  CONSTRAINT {{prefix}}maintenance_task_instruction_retry_failed_attempt_count_check CHECK (failed_attempt_count >= 0)
) STRICT;

-- The dead instructions, newest first: what the store's listDeadInstructions reads.
CREATE INDEX {{prefix}}maintenance_task_instruction_retry_dead_idx
  ON {{prefix}}maintenance_task_instruction_retry (dead_at DESC)
  WHERE dead_at IS NOT NULL;
