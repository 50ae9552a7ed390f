import {listDueSlots} from './listDueSlots.ts';
import type {MaterializationPlan, TaskRecord} from './types.ts';

export type PlanMaterializationConfiguration = {
  /**
   * Most due jobs created per call (the rest on the next round).
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
 * Which jobs a task needs now: one per due slot as its misfire policy says (from `listDueSlots`), and
 * one for its next slot, made in advance so that it can be listed, canceled or rescheduled before it
 * runs (when that slot falls due, its job exists already and is left as the user left it). Pure.
 */
export const planMaterialization = (configuration: PlanMaterializationConfiguration): MaterializationPlan => {
  const {now, task} = configuration;
  const due = listDueSlots({
    createdAt: new Date(task.createdAt),
    lastSlot: task.lastSlot === null ? null : new Date(task.lastSlot),
    limit: configuration.limit,
    misfire: task.misfire,
    misfireThreshold: configuration.misfireThreshold,
    now: new Date(now),
    schedule: task.schedule,
  });
  const jobs = due.jobs.map((job) => {
    const scheduledFor = job.scheduledFor.getTime();

    return {runAt: scheduledFor, scheduledFor, slotCount: job.truncated ? job.slots.length + 1 : job.slots.length};
  });
  const nextRunAt = due.nextRun?.getTime() ?? null;

  if (nextRunAt !== null && nextRunAt > now) {
    jobs.push({runAt: nextRunAt, scheduledFor: nextRunAt, slotCount: 1});
  }

  return {
    jobs,
    lastSlot: due.lastSlot?.getTime() ?? null,
    nextRunAt,
    skipped: due.skipped === null ? null : {from: due.skipped.from.getTime(), through: due.skipped.through.getTime()},
  };
};
