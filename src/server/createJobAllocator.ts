import {createAttemptLedger, type AttemptLedger} from './createAttemptLedger.ts';
import {pickWorker} from './pickWorker.ts';
import type {HubMessage, MessageBody} from './protocol/messages.ts';
import type {Job} from '../scheduler/processorTypes.ts';
import type {HeldAttempt, WorkerSession} from './workerHubTypes.ts';

export type JobAllocatorConfiguration = {
  /** Called after a job was given to a worker. */
  readonly assigned: (session: WorkerSession, job: Job) => void;
  /** Ends a job the hub cannot give to a worker; a job that ended meanwhile is no failure. */
  readonly fail: (job: Job, error: Error) => void;
  /** The sessions that process the task (connected ones only, when `connectedOnly`). */
  readonly offering: (taskName: string, connectedOnly: boolean) => readonly WorkerSession[];
  /** How many ended attempts the ledger remembers. */
  readonly remembered: number;
  /** Sends to the session's socket of the moment (nothing while it is away). */
  readonly send: (session: WorkerSession, body: MessageBody<HubMessage>) => void;
};

export type JobAllocator = {
  /** Takes a job the scheduler started: queued, given to a worker with room, followed to its timeout. */
  readonly add: (job: Job) => void;
  /** Gives the task's waiting jobs to workers with room. */
  readonly dispatch: (taskName: string) => void;
  /** Gives the waiting jobs of the session's tasks to workers with room (it connected, or its load fell). */
  readonly dispatchFor: (session: WorkerSession) => void;
  /** Fails the task's waiting jobs with `toError(job)`. */
  readonly failWaiting: (taskName: string, toError: (job: Job) => Error) => void;
  /** Whether some of the task's jobs wait for a worker. */
  readonly isWaiting: (taskName: string) => boolean;
  readonly ledger: AttemptLedger;
  /** Sends the job of a held attempt to its worker again (a worker back without it). */
  readonly sendJob: (session: WorkerSession, held: HeldAttempt) => void;
  /** The tasks some of whose jobs wait. */
  readonly waitingTasks: () => readonly string[];
};

/** A job the scheduler started on a hub processor, waiting for a worker with free capacity, or given to one. */
type Pending = {
  held: HeldAttempt | null;
  readonly job: Job;
};

/**
 * The hub's jobs between the scheduler and the workers: each job waits in its task's queue until a
 * connected worker of the task has room (`pickWorker`: least loaded, then round-robin), is recorded
 * in the attempt ledger as that worker's, and its timeout (or abort) is passed on to it.
 */
export const createJobAllocator = ({assigned, fail, offering, remembered, send}: JobAllocatorConfiguration): JobAllocator => {
  /** Jobs waiting for a worker with free capacity, by task, oldest first. */
  const queues = new Map<string, Pending[]>();
  let assignments = 0;

  const sendJob = (session: WorkerSession, {job}: HeldAttempt) => {
    send(session, {
      attempt: job.attempt,
      jobId: job.id,
      payload: job.payload,
      scheduledFor: job.scheduledFor.getTime(),
      slotCount: job.slotCount,
      taskName: job.taskName,
      timeout: job.timeout,
      type: 'job',
    });
  };

  const dispatch = (taskName: string) => {
    const queue = queues.get(taskName) ?? [];

    while (queue.length > 0) {
      const candidates = offering(taskName, true).filter((session) => session.held.size < session.concurrency);
      const session = candidates[pickWorker(candidates.map((candidate) => ({concurrency: candidate.concurrency, lastAssigned: candidate.lastAssigned, load: candidate.held.size})))];

      if (session === undefined) {
        break;
      }

      const pending = queue.shift() as Pending;

      // eslint-disable-next-line @typescript-eslint/no-use-before-define -- the ledger calls back into dispatch
      pending.held = ledger.hold(session, pending.job);
      session.lastAssigned = ++assignments;
      sendJob(session, pending.held);
      assigned(session, pending.job);
    }

    if (queue.length === 0) {
      queues.delete(taskName);
    }
  };

  const dispatchFor = (session: WorkerSession) => {
    for (const taskName of session.tasks) {
      if (queues.has(taskName)) {
        dispatch(taskName);
      }
    }
  };

  const ledger = createAttemptLedger({
    onReleased: (held) => {
      dispatchFor(held.session);
    },
    remembered,
  });

  const unqueue = (taskName: string, pending: Pending) => {
    const queue = queues.get(taskName);
    const index = queue?.indexOf(pending) ?? -1;

    if (queue !== undefined && index >= 0) {
      queue.splice(index, 1);
    }
  };

  return {
    add: (job) => {
      const pending: Pending = {held: null, job};

      job.signal.addEventListener('abort', () => {
        const timedOut = (job.signal.reason as {readonly code?: unknown} | undefined)?.code === 'job_timed_out';
        const {held} = pending;

        if (held === null) {
          // Ended by the scheduler while it waited for a worker.
          unqueue(job.taskName, pending);

          return;
        }

        if (held.active && held.lost === null) {
          send(held.session, timedOut ? {attempt: job.attempt, jobId: job.id, type: 'timeout'} : {attempt: job.attempt, jobId: job.id, reason: String((job.signal.reason as Error | undefined)?.message ?? 'aborted'), type: 'abort'});
        }

        if (timedOut) {
          ledger.release(held);
        }
      }, {once: true});

      const queue = queues.get(job.taskName) ?? [];

      queue.push(pending);
      queues.set(job.taskName, queue);
      dispatch(job.taskName);
    },
    dispatch,
    dispatchFor,
    failWaiting: (taskName, toError) => {
      const queue = queues.get(taskName) ?? [];

      queues.delete(taskName);

      for (const {job} of queue) {
        fail(job, toError(job));
      }
    },
    isWaiting: (taskName) => queues.has(taskName),
    ledger,
    sendJob,
    waitingTasks: () => [...queues.keys()],
  };
};
