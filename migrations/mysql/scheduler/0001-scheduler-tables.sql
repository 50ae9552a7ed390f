-- The scheduler's tables on MySQL 8 / MariaDB 10.6 or newer (InnoDB): version 1 holds the whole
-- current schema (that of PostgreSQL's versions 1 and 2).
--
-- createMysqlSchedulerStore applies this file itself, under GET_LOCK, one statement at a time (see
-- src/adapters/mysql/applyMysqlMigrations.ts): `{{name}}` is the table `name` with the store's
-- prefix (default `planton_`), in its database. Every statement here is safe to run again (IF NOT
-- EXISTS, INSERT IGNORE): MySQL commits each DDL statement by itself, and a process that died
-- half-way runs the file again. Never edit a version that has shipped: add a new migration instead.
--
-- Times are milliseconds since the epoch (BIGINT), from the scheduler's clock: no session or
-- server time zone can shift them. The schedule, retry policy, payloads and errors are JSON text in
-- LONGTEXT columns, not JSON columns: those refuse nesting deeper than 100 levels (MySQL 8) or 32
-- (MariaDB's JSON_VALID), and the scheduler accepts payloads and errors up to 1,000 levels deep.
-- No SQL here reads inside them.
--
-- scheduled_task      one row per task: its schedule, limits and retry policy, and the last slot
--                     planned (last_slot) and the next one due (next_run_at). A paused task gets
--                     no jobs for its slots and none of its jobs is claimed.
-- scheduled_job       one row per job. kind 'SLOT' (made by the schedule) or 'ONE_OFF' (made by
--                     runTask). The unique key (task_name, slot_for), where slot_for is
--                     scheduled_for for a 'SLOT' job and NULL for a one-off (a unique key admits
--                     any number of NULLs; MySQL has no partial index), is what makes each slot
--                     produce exactly one job across any number of instances. States: SCHEDULED
--                     (pending its first attempt), WAITING (pending a later one), RUNNING (held
--                     under a lease until lease_until), DONE, ERROR, CANCELED.
-- scheduled_job_log   what a job logged (message, progress, step), per attempt.
-- scheduler_lock      two rows, 'claim' and 'materialize': locked FOR UPDATE by a claim and by
--                     the planning of slots, so that one instance at a time does either.
--
-- Task names are VARBINARY: compared byte for byte (as PostgreSQL compares text; a _ci or PAD
-- SPACE collation would make `Report` and `report ` one task), up to the 1,000 bytes the scheduler
-- accepts, short enough for the unique key.

CREATE TABLE IF NOT EXISTS {{scheduled_task}} (
  name VARBINARY(1000) NOT NULL,
  schedule LONGTEXT NOT NULL,
  timeout_ms DOUBLE NOT NULL,
  concurrency INT NOT NULL,
  misfire VARCHAR(4) NOT NULL,
  retry LONGTEXT NOT NULL,
  payload LONGTEXT NULL,
  paused BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  last_slot BIGINT NULL,
  next_run_at BIGINT NULL,
  PRIMARY KEY (name),
  CHECK (timeout_ms > 0),
  CHECK (concurrency >= 1),
  CHECK (misfire IN ('all', 'once', 'skip'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{scheduled_job}} (
  id BIGINT NOT NULL AUTO_INCREMENT,
  task_name VARBINARY(1000) NOT NULL,
  kind VARCHAR(7) NOT NULL DEFAULT 'SLOT',
  scheduled_for BIGINT NOT NULL,
  slot_for BIGINT AS (CASE WHEN kind = 'SLOT' THEN scheduled_for END) STORED,
  slot_count INT NOT NULL DEFAULT 1,
  run_at BIGINT NOT NULL,
  state VARCHAR(9) NOT NULL,
  attempt INT NOT NULL DEFAULT 0,
  no_processor_count INT NOT NULL DEFAULT 0,
  payload LONGTEXT NULL,
  worker TEXT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT NULL,
  lease_until BIGINT NULL,
  ended_at BIGINT NULL,
  progress DOUBLE NULL,
  step TEXT NULL,
  error LONGTEXT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY slot_key (task_name, slot_for),
  -- The jobs waiting for their time, a retry or a processor (what the claim reads), and the running
  -- ones by lease; with the id InnoDB appends, in the claim's order.
  KEY pending_idx (task_name, state, run_at),
  KEY running_idx (task_name, state, lease_until),
  -- The job history, newest first, per state (listJobs, countJobs).
  KEY task_history_idx (task_name, state, scheduled_for, id),
  KEY history_idx (state, scheduled_for, id),
  -- "The latest runs of a task".
  KEY started_idx (task_name, started_at),
  CHECK (kind IN ('ONE_OFF', 'SLOT')),
  CHECK (state IN ('CANCELED', 'DONE', 'ERROR', 'RUNNING', 'SCHEDULED', 'WAITING'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{scheduled_job_log}} (
  id BIGINT NOT NULL AUTO_INCREMENT,
  job_id BIGINT NOT NULL,
  attempt INT NOT NULL,
  created_at BIGINT NOT NULL,
  message LONGTEXT NULL,
  progress DOUBLE NULL,
  step TEXT NULL,
  PRIMARY KEY (id),
  KEY job_idx (job_id, id),
  FOREIGN KEY (job_id) REFERENCES {{scheduled_job}} (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS {{scheduler_lock}} (
  name VARCHAR(16) NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO {{scheduler_lock}} (name) VALUES ('claim'), ('materialize');
