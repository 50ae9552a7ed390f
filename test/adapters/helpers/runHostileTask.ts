import type {ExecutionContext} from 'ava';
import {createPlanton, type GetActiveTaskInstructions, type TaskConfiguration, type TaskEvent} from '../../../src/index.ts';
import {recordEvents} from '../../helpers/recordEvents.ts';
import {until} from '../../helpers/until.ts';

/**
 * The hostile round-trip's engine half, on any store: a Planton with one task named `taskName`
 * claims `instructions` through `schedule` (the store's createSchedule over a table of them); every
 * instruction arrives once, unchanged, under that name, and the store reports them all active.
 * Each execution is then failed with its instruction as the message.
 */
export const runHostileTask = async (t: ExecutionContext, {failExecution, getActiveTaskInstructions, instructions, schedule, taskName}: {
  readonly failExecution: (event: TaskEvent<string>, error: Error) => Promise<void>;
  readonly getActiveTaskInstructions: GetActiveTaskInstructions<string>;
  readonly instructions: readonly string[];
  readonly schedule: TaskConfiguration<string>['schedule'];
  readonly taskName: string;
}): Promise<void> => {
  const planton = createPlanton<string>({
    getActiveTaskInstructions,
    tasks: [{calculateDelay: () => 0, concurrency: 100, name: taskName, schedule}],
  });
  const events = recordEvents(planton);

  t.teardown(async () => {
    await planton.terminate();
  });

  await until(async () => events.tasks.length >= instructions.length);
  await planton.terminate();

  t.deepEqual(events.tasks.map((event) => event.instruction).sort(), [...instructions].sort());
  t.true(events.tasks.every((event) => event.taskName === taskName));
  t.deepEqual([...await getActiveTaskInstructions(taskName, {signal: new AbortController().signal})].sort(), [...instructions].sort());
  t.deepEqual(events.errors, []);

  for (const event of events.tasks) {
    await failExecution(event, new Error(event.instruction));
  }
};
