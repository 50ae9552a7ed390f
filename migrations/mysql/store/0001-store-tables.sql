-- Planton's dispatch store on MySQL 8 / MariaDB 10.6 or newer (InnoDB).
--
-- createMysqlStore applies this file itself, under GET_LOCK, one statement at a time (see
-- src/adapters/mysql/applyMysqlMigrations.ts): `{{name}}` is the table `name` with the store's
-- prefix (default `planton_`), in its database. Every statement here is safe to run again (IF NOT
-- EXISTS): MySQL commits each DDL statement by itself, and a process that died half-way runs the
-- file again. Never edit a version that has shipped: add a new migration instead.
--
-- Times are milliseconds since the epoch (BIGINT), written from the store's clock: no session
-- time zone can shift them. Durations and delays are milliseconds too.
--
-- Execution states (as on PostgreSQL):
--   RUNNING     claimed and recorded; ended_at is NULL. At most one RUNNING execution per
--               (task, instruction): the unique key on active_instruction_hash, NULL once the
--               execution ended, is what makes a claim exactly-once across processes.
--   COMPLETED   the processor finished.
--   FAILED      the processor reported an error; error holds serialize-error's JSON.
--   TERMINATED  the reaper found its heartbeat (last_seen_at) older than the task's
--               maximum_execution_duration.
--
-- Instructions: `instruction` is the JSON of the instruction (`42` or `"42"`, so the two
-- round-trip as different values), `instruction_hash` the SHA-256 of its text form (`42`), the
-- same hash the claim's isActiveInstruction computes from a column:
-- UNHEX(SHA2(CONVERT(column USING utf8mb4), 256)).

CREATE TABLE IF NOT EXISTS {{maintenance_task}} (
  id INT NOT NULL AUTO_INCREMENT,
  nid VARCHAR(1000) NOT NULL,
  -- Task names are up to 1,000 bytes: longer than an index key holds, so the unique key is on a hash.
  nid_hash BINARY(32) AS (UNHEX(SHA2(nid, 256))) STORED,
  -- Milliseconds an execution may go without a heartbeat before the reaper terminates it.
  maximum_execution_duration BIGINT NOT NULL DEFAULT 300000,
  -- How many executions of the task may be RUNNING at once; 0 = use the concurrency given in code.
  maximum_concurrent_execution_count INT NOT NULL DEFAULT 0,
  -- Attempts of one instruction (the first included) before it is dead.
  maximum_attempt_count INT NOT NULL DEFAULT 25,
  -- The wait after the first failed attempt (ms), doubled for each further one, up to maximum_retry_delay.
  retry_delay BIGINT NOT NULL DEFAULT 1000,
  maximum_retry_delay BIGINT NOT NULL DEFAULT 3600000,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY nid_hash_key (nid_hash),
  CHECK (nid <> ''),
  CHECK (maximum_execution_duration > 0),
  CHECK (maximum_concurrent_execution_count >= 0),
  CHECK (maximum_attempt_count >= 1),
  CHECK (retry_delay >= 0),
  CHECK (maximum_retry_delay >= retry_delay)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{maintenance_task_execution}} (
  id BIGINT NOT NULL AUTO_INCREMENT,
  maintenance_task_id INT NOT NULL,
  instruction MEDIUMTEXT NOT NULL,
  instruction_hash BINARY(32) NOT NULL,
  -- The instruction's hash while RUNNING, NULL once ended: the unique key below allows one RUNNING
  -- execution per (task, instruction) and any number of ended ones (NULLs never collide).
  active_instruction_hash BINARY(32) AS (IF(ended_at IS NULL, instruction_hash, NULL)) STORED,
  state VARCHAR(10) NOT NULL DEFAULT 'RUNNING',
  hostname VARCHAR(255) NOT NULL,
  -- The uuid of the claim that recorded it: the claim reads its rows back by it (MySQL has no RETURNING).
  claim_token CHAR(36) NULL,
  started_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  ended_at BIGINT NULL,
  error LONGTEXT NULL,
  terminated_at BIGINT NULL,
  terminated_reason TEXT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY active_instruction_key (maintenance_task_id, active_instruction_hash),
  KEY maintenance_task_running_key (maintenance_task_id, ended_at, id),
  KEY running_last_seen_key (ended_at, last_seen_at),
  KEY claim_token_key (claim_token),
  FOREIGN KEY (maintenance_task_id) REFERENCES {{maintenance_task}} (id) ON DELETE CASCADE,
  CHECK (state IN ('RUNNING', 'COMPLETED', 'FAILED', 'TERMINATED')),
  CHECK ((state = 'RUNNING') = (ended_at IS NULL)),
  CHECK ((state = 'FAILED') = (error IS NOT NULL)),
  CHECK ((state = 'TERMINATED') = (terminated_at IS NOT NULL))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per (task, instruction) whose latest execution failed or was terminated: attempt n
-- failed waits until retry_at = ended + least(maximum_retry_delay, retry_delay × 2^(n − 1)); at
-- n >= maximum_attempt_count dead_at is set (DEAD) until retryInstruction deletes the row. A
-- COMPLETED end deletes it.
CREATE TABLE IF NOT EXISTS {{maintenance_task_instruction_retry}} (
  maintenance_task_id INT NOT NULL,
  instruction_hash BINARY(32) NOT NULL,
  instruction MEDIUMTEXT NOT NULL,
  failed_attempt_count INT NOT NULL,
  retry_at BIGINT NOT NULL,
  dead_at BIGINT NULL,
  last_execution_id BIGINT NOT NULL,
  last_error LONGTEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (maintenance_task_id, instruction_hash),
  KEY dead_key (dead_at),
  FOREIGN KEY (maintenance_task_id) REFERENCES {{maintenance_task}} (id) ON DELETE CASCADE,
  CHECK (failed_attempt_count >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
