import type {WorkerInfo} from './createWorkerHub.ts';
import type {WorkerBody} from './schemas/workerSchemas.ts';

/** A remote worker as the HTTP API shows it: times as ISO 8601 strings, its load the jobs it runs. */
export const toWorkerBody = (worker: WorkerInfo): WorkerBody => ({
  clientId: worker.clientId,
  concurrency: worker.concurrency,
  connected: worker.connected,
  connectedAt: worker.connectedAt.toISOString(),
  jobs: worker.jobs.map(({attempt, jobId, taskName}) => ({attempt, jobId, taskName})),
  lastSeenAt: worker.lastSeenAt.toISOString(),
  load: worker.jobs.length,
  name: worker.name,
  tasks: [...worker.tasks],
  tokenName: worker.tokenName,
});
