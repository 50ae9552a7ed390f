-- The row a claim locks so that the claims of one task go one at a time across every process (the
-- concurrency cap). Claims used to lock the task's own row exclusively, but InnoDB's foreign key
-- check of every write to the executions and retries takes a shared lock on that same row: a batch
-- of completions of a task waited for the task's running claim, and the next claim for the
-- completions. A claim now locks this row exclusively (creating it when the task has none) and the
-- task's row shared only: claims still exclude each other, ends go beside them, and a claim still
-- waits for a process of an older version that locks the task's row exclusively.
--
-- Safe to run again (IF NOT EXISTS); the rows are created by the claims themselves.

CREATE TABLE IF NOT EXISTS {{maintenance_task_claim_lock}} (
  maintenance_task_id INT NOT NULL,
  PRIMARY KEY (maintenance_task_id),
  FOREIGN KEY (maintenance_task_id) REFERENCES {{maintenance_task}} (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
