import type {ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import type {ExecutionContext} from 'ava';
import {spawnFixture} from '../../helpers/spawnFixture.ts';
import type {SchedulerWorkerMessage} from '../fixtures/runSchedulerWorker.ts';
import {checkProcessSlots, type SlotJob} from './checkProcessSlots.ts';

/**
 * Runs three scheduler processes (`worker`, a fixture calling runSchedulerWorker.ts, with
 * `environment`) on one store's tables for `seconds`, stops them, and checks every slot
 * (checkProcessSlots.ts) against the jobs `listJobs` reads back.
 */
export const runSchedulerProcesses = async (t: ExecutionContext, {environment, listJobs, seconds, worker}: {
  readonly environment: Readonly<Record<string, string>>;
  readonly listJobs: () => Promise<readonly SlotJob[]>;
  readonly seconds: number;
  readonly worker: string;
}): Promise<void> => {
  const workers: ChildProcess[] = Array.from({length: 3}, () => spawnFixture<SchedulerWorkerMessage>(worker, environment).child);

  t.teardown(() => {
    for (const child of workers) {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
  });

  const next = async (child: ChildProcess) => (await once(child, 'message'))[0] as SchedulerWorkerMessage;

  await Promise.all(workers.map(next));

  const startedAt = Date.now();

  await new Promise((resolve) => {
    setTimeout(resolve, seconds * 1_000);
  });

  const stoppedAt = Date.now();
  const stopped = Promise.all(workers.map(next));

  for (const child of workers) {
    child.send({type: 'stop'});
  }

  const reports = await stopped;

  checkProcessSlots(t, {
    jobs: await listJobs(),
    reports: reports.map((report) => (report.type === 'stopped' ? report : null)),
    seconds,
    startedAt,
    stoppedAt,
  });
};
