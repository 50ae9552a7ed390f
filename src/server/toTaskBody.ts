import type {JobSummary} from '../scheduler/recordTypes.ts';
import type {TaskInfo} from '../scheduler/schedulerApiTypes.ts';
import type {Schedule} from '../scheduler/scheduleTypes.ts';
import type {TaskBody} from './schemas/taskSchemas.ts';

const toSummary = (summary: JobSummary | null) => summary === null ? null : {date: summary.date.toISOString(), id: summary.id, status: summary.status};

const toScheduleBody = (schedule: Schedule): TaskBody['schedule'] => {
  if (schedule.kind === 'ONE_SHOT') {
    return {date: schedule.date.toISOString(), kind: schedule.kind, repeat: schedule.repeat === null ? null : {...schedule.repeat}, timezone: schedule.timezone};
  }

  return schedule.kind === 'CRON' ? {expression: schedule.expression, kind: schedule.kind, timezone: schedule.timezone} : {every: schedule.every, kind: schedule.kind};
};

/** A task as the HTTP API shows it: `TaskInfo` with dates as ISO 8601 strings. */
export const toTaskBody = (task: TaskInfo): TaskBody => {
  return {
    concurrency: task.concurrency,
    lastFailure: toSummary(task.lastFailure),
    lastJob: toSummary(task.lastJob),
    lastSuccess: toSummary(task.lastSuccess),
    misfire: task.misfire,
    name: task.name,
    nextJob: task.nextJob === null ? null : {date: task.nextJob.date.toISOString(), id: task.nextJob.id},
    nextRunAt: task.nextRunAt?.toISOString() ?? null,
    paused: task.paused,
    payload: task.payload,
    schedule: toScheduleBody(task.schedule),
    timeout: task.timeout,
  };
};
