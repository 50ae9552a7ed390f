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
