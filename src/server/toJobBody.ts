import type {JobRecord} from '../scheduler/recordTypes.ts';
import type {JobBody} from './schemas/jobSchemas.ts';

const toIso = (time: number) => new Date(time).toISOString();
const toIsoOrNull = (time: number | null) => time === null ? null : toIso(time);

/** A job as the HTTP API shows it: `JobRecord` with times as ISO 8601 strings. */
export const toJobBody = (job: JobRecord): JobBody => {
  return {
    attempt: job.attempt,
    createdAt: toIso(job.createdAt),
    endedAt: toIsoOrNull(job.endedAt),
    error: job.error === null ? null : {...job.error},
    id: job.id,
    kind: job.kind,
    leaseUntil: toIsoOrNull(job.leaseUntil),
    noProcessorCount: job.noProcessorCount,
    payload: job.payload,
    progress: job.progress,
    result: job.result,
    runAt: toIso(job.runAt),
    scheduledFor: toIso(job.scheduledFor),
    slotCount: job.slotCount,
    startedAt: toIsoOrNull(job.startedAt),
    state: job.state,
    step: job.step,
    taskName: job.taskName,
    worker: job.worker,
  };
};
