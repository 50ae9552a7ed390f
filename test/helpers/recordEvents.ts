import type {ErrorEvent, Planton, TaskEvent, TaskInstruction} from '../../src/index.ts';

/** Records every `task` and `error` event of a Planton instance, in order. */
export const recordEvents = <Instruction extends TaskInstruction>(planton: Planton<Instruction>) => {
  const tasks: Array<TaskEvent<Instruction>> = [];
  const errors: ErrorEvent[] = [];

  planton.events.on('task', (event) => {
    tasks.push(event);
  });
  planton.events.on('error', (event) => {
    errors.push(event);
  });

  return {errors, tasks};
};
