// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import './planton/assertNodeVersion.ts';
export {createPlanton} from './planton/createPlanton.ts';
export {createSystemClock} from './planton/createSystemClock.ts';
export {
  DuplicateTaskNameError,
  InvalidConfigurationError,
  InvalidDelayError,
  InvalidLimitError,
  InvalidTaskConfigurationNameError,
  PlantonError,
  PlantonTerminatedError,
  ScheduleTimeoutError,
  TaskListenerError,
  UnexpectedStateError,
  UnexpectedTaskInstructionsError,
  UnknownTaskError,
  UnsupportedNodeVersionError,
  UserFunctionError,
} from './planton/errors.ts';
export type {UserFunctionName} from './planton/errors.ts';
export type {
  ActiveTaskInstructionsContext,
  CalculateDelay,
  CalculateLimit,
  Clock,
  Emitter,
  ErrorEvent,
  GetActiveTaskInstructions,
  Listener,
  Planton,
  PlantonConfiguration,
  PlantonEvents,
  ScheduleConfiguration,
  TaskConfiguration,
  TaskEvent,
  TaskInstruction,
  TaskStats,
} from './planton/types.ts';
