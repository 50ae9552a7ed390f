import {createPlanton, type PlantonConfiguration, type TaskConfiguration, type TaskInstruction} from '../../../src/index.ts';
import {createManualClock} from '../../helpers/createManualClock.ts';

export type TestPlantonConfiguration<Instruction extends TaskInstruction> = Partial<Omit<PlantonConfiguration<Instruction>, 'clock' | 'tasks'>> & {
  /**
   * Task `a`, but for its name.
   * @default a schedule that counts its calls (`calls()`) and returns no instruction
   */
  readonly task?: Partial<Omit<TaskConfiguration<Instruction>, 'name'>>;
  /**
   * The tasks' names, each configured as `task`.
   * @default ['a']
   */
  readonly taskNames?: readonly string[];
};

/**
 * The set-up of most engine tests: Planton on a manual clock (at 0) with the one task `a` (or one per
 * name of `taskNames`) and, unless `getActiveTaskInstructions` is given, no active instructions;
 * `keepAlive` off unless given, so a test that leaves its Planton running does not hold its file open.
 */
export const createTestPlanton = <Instruction extends TaskInstruction = TaskInstruction>({task = {}, taskNames = ['a'], ...configuration}: TestPlantonConfiguration<Instruction> = {}) => {
  const clock = createManualClock();
  let calls = 0;
  const planton = createPlanton<Instruction>({
    clock,
    getActiveTaskInstructions: () => [],
    // On a manual clock the process has nothing to wait for; test/planton/keepAlive.test.ts covers keepAlive.
    keepAlive: false,
    ...configuration,
    tasks: taskNames.map((name) => ({
      name,
      schedule: () => {
        calls++;

        return [];
      },
      ...task,
    })),
  });

  return {calls: () => calls, clock, planton};
};
