import {calculateNextRun} from './calculateNextRun.ts';
import {listDueSlots} from './listDueSlots.ts';
import type {MaterializationPlan, TaskRecord} from './recordTypes.ts';

export type PlanMaterializationConfiguration = {
  /**
   * How far ahead of `now` (milliseconds) slots get their jobs now, each its own job whatever the
   * misfire policy (they are not late), so that they can be claimed and fired from a local timer.
   * @default 0
   */
  readonly horizon?: number;
  /**
   * Most due jobs created per call (the rest on the next round); also bounds the slots within the horizon.
   * @default 100
   */
  readonly limit?: number;
  /**
   * Under misfire `'skip'`, how late (milliseconds) a slot may be and still run.
   * @default 60000
   */
  readonly misfireThreshold?: number;
  readonly now: number;
  readonly task: Pick<TaskRecord, 'createdAt' | 'lastSlot' | 'misfire' | 'schedule'>;
};

/**
 * Which jobs a task needs now: one per due slot as its misfire policy says (from `listDueSlots`), one
 * per slot within `horizon` after `now`, and one for the slot after those, made in advance so that it
 * can be listed, canceled or rescheduled before it runs (when that slot falls due, its job exists
 * already and is left as the user left it). Pure.
 */
export const planMaterialization = (configuration: PlanMaterializationConfiguration): MaterializationPlan => {
  const {horizon = 0, limit = 100, now, task} = configuration;
  const due = listDueSlots({
    createdAt: new Date(task.createdAt),
    lastSlot: task.lastSlot === null ? null : new Date(task.lastSlot),
    limit,
    misfire: task.misfire,
    misfireThreshold: configuration.misfireThreshold,
    now: new Date(now),
    schedule: task.schedule,
  });
  const jobs = due.jobs.map((job) => {
    const scheduledFor = job.scheduledFor.getTime();

    return {runAt: scheduledFor, scheduledFor, slotCount: job.truncated ? job.slots.length + 1 : job.slots.length};
  });
  let lastSlot = due.lastSlot?.getTime() ?? null;
  let nextRunAt = due.nextRun?.getTime() ?? null;

  // Slots not yet due but within the horizon: one job each, and the task's last slot moves on to them.
  for (let ahead = 0; nextRunAt !== null && nextRunAt > now && nextRunAt <= now + horizon && ahead < limit; ahead++) {
    jobs.push({runAt: nextRunAt, scheduledFor: nextRunAt, slotCount: 1});
    lastSlot = nextRunAt;
    nextRunAt = calculateNextRun({after: new Date(nextRunAt), schedule: task.schedule})?.getTime() ?? null;
  }

  if (nextRunAt !== null && nextRunAt > now) {
    jobs.push({runAt: nextRunAt, scheduledFor: nextRunAt, slotCount: 1});
  }

  return {
    jobs,
    lastSlot,
    nextRunAt,
    skipped: due.skipped === null ? null : {from: due.skipped.from.getTime(), through: due.skipped.through.getTime()},
  };
};
