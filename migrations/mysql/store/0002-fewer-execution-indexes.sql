-- Fewer secondary indexes on the executions: each one is written when a claim records an
-- execution, and the two keyed on ended_at move again when it ends (a completion, a failure, the
-- reaper). The unique key active_instruction_key (maintenance_task_id, active_instruction_hash)
-- stays, and serves everything they served: active_instruction_hash IS NOT NULL exactly when
-- ended_at IS NULL (its generated definition), so the store finds a task's RUNNING executions (the
-- claim's count under the task's lock, active instructions, the reaper, a lost claim's
-- claim_token) by that key's range (task, non-NULL hash), and the foreign key on
-- maintenance_task_id by its first column.
--
-- Each statement is safe to run again: the applier passes over dropping a key that is gone
-- (ER_CANT_DROP_FIELD_OR_KEY) when a process died half-way through this file.

ALTER TABLE {{maintenance_task_execution}} DROP INDEX claim_token_key;

ALTER TABLE {{maintenance_task_execution}} DROP INDEX running_last_seen_key;

ALTER TABLE {{maintenance_task_execution}} DROP INDEX maintenance_task_running_key;
