import type {Scheduler} from '../scheduler/createScheduler.ts';
import type {WorkerHub} from './createWorkerHub.ts';
import type {OverviewBody} from './schemas/overviewSchemas.ts';
import {toJobBody} from './toJobBody.ts';
import {toTaskBody} from './toTaskBody.ts';
import {toWorkerBody} from './toWorkerBody.ts';

export type ReadOverviewConfiguration = {
  readonly hub: Pick<WorkerHub, 'listWorkers'>;
  /** At most this many running jobs and as many failures. */
  readonly limit: number;
  readonly scheduler: Pick<Scheduler, 'listJobs' | 'listTasks'>;
};

/**
 * The body of `GET /v1/overview` (and of each `overview` event of its stream): every task, the
 * running jobs and the latest failures (`limit` of each, newest first), and the hub's workers. Three
 * reads of the store, made together.
 */
export const readOverview = async ({hub, limit, scheduler}: ReadOverviewConfiguration): Promise<OverviewBody> => {
  const [tasks, running, failures] = await Promise.all([
    scheduler.listTasks(),
    scheduler.listJobs({limit, states: ['RUNNING']}),
    scheduler.listJobs({limit, states: ['ERROR']}),
  ]);

  return {
    failures: failures.jobs.map(toJobBody),
    running: running.jobs.map(toJobBody),
    tasks: tasks.map(toTaskBody),
    workers: hub.listWorkers().map(toWorkerBody),
  };
};
