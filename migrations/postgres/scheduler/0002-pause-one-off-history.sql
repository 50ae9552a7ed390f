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
