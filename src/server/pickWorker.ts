/** What `pickWorker` knows of a connected worker that processes the job's task. */
export type WorkerLoad = {
  /** How many jobs the worker may run at once. */
  readonly concurrency: number;
  /** When it was last given a job: a sequence number, larger is later (0: never). */
  readonly lastAssigned: number;
  /** How many jobs it runs now. */
  readonly load: number;
};

/**
 * Which worker gets the next job: among those below their `concurrency`, the least loaded, and among
 * equally loaded ones the one given a job least recently (round-robin), then the first listed.
 * Returns its index, or -1 when every worker is at its concurrency. Pure.
 */
export const pickWorker = (workers: readonly WorkerLoad[]): number => {
  let best = -1;

  for (const [index, worker] of workers.entries()) {
    if (worker.load >= worker.concurrency) {
      continue;
    }

    const current = workers[best];

    if (current === undefined || worker.load < current.load || worker.load === current.load && worker.lastAssigned < current.lastAssigned) {
      best = index;
    }
  }

  return best;
};
