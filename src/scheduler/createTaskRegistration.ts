import type {Clock} from '../planton/types.ts';
import type {Dispatcher} from './createDispatcher.ts';
import {DuplicateScheduledTaskError, InvalidPayloadError, InvalidSchedulerConfigurationError} from './errors.ts';
import {findNonJsonValue} from './findNonJsonValue.ts';
import {isStorableTaskName, MAX_TASK_NAME_BYTES} from './isStorableTaskName.ts';
import {parseScheduledTask} from './parseScheduledTask.ts';
import type {TaskRecord} from './recordTypes.ts';
import type {ScheduleOptions, ScheduleTaskConfiguration, TaskInfo} from './schedulerApiTypes.ts';
import type {RetryPolicy} from './scheduleTypes.ts';
import type {SchedulerStore} from './storeTypes.ts';
import {toStoredRetryPolicy} from './toStoredRetryPolicy.ts';

export type TaskRegistrationConfiguration = {
  /** Throws `SCHEDULER_TERMINATED` once the scheduler terminates. */
  readonly assertRunning: (operation: string) => void;
  readonly clock: Clock;
  readonly dispatcher: Pick<Dispatcher, 'materialize' | 'request'>;
  /** Retry policies given to `schedule()` here: they may hold a backoff function, which the store cannot. */
  readonly localRetryPolicies: Map<string, RetryPolicy>;
  /** Forgets a task this instance served. */
  readonly removeLocal: (name: string) => void;
  /** Names `schedule()` was called with in this instance (a second call is a duplicate). */
  readonly scheduledHere: Set<string>;
  readonly store: SchedulerStore;
  /** The tasks this instance serves: a scheduled one is added here. */
  readonly tasks: Map<string, TaskRecord>;
  readonly toTaskInfo: (record: TaskRecord) => Promise<TaskInfo>;
};

/** The scheduler's `schedule` and `unschedule`: see `Scheduler`. */
export type TaskRegistration = {
  readonly schedule: (configuration: ScheduleTaskConfiguration, options?: ScheduleOptions) => Promise<TaskInfo>;
  readonly unschedule: (name: string) => Promise<boolean>;
};

/** Stores and removes the tasks scheduled in this instance, keeping its local records of them in step. */
export const createTaskRegistration = ({
  assertRunning,
  clock,
  dispatcher,
  localRetryPolicies,
  removeLocal,
  scheduledHere,
  store,
  tasks,
  toTaskInfo,
}: TaskRegistrationConfiguration): TaskRegistration => {
  return {
    schedule: (task, scheduleOptions = {}) => {
      assertRunning('schedule a task');

      if (typeof scheduleOptions !== 'object' || scheduleOptions === null || (scheduleOptions.replace !== undefined && typeof scheduleOptions.replace !== 'boolean')) {
        throw new InvalidSchedulerConfigurationError('options', 'an object `{replace?: boolean}`', scheduleOptions);
      }

      if (typeof task !== 'object' || task === null) {
        throw new InvalidSchedulerConfigurationError('task', 'an object `{name, schedule, timeout, …}`', task);
      }

      const {concurrency = 1, name, payload = null} = task;

      if (!isStorableTaskName(name)) {
        throw new InvalidSchedulerConfigurationError('name', `a non-empty string of well-formed Unicode, without NUL (U+0000), of at most ${MAX_TASK_NAME_BYTES} bytes`, name);
      }

      if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
        throw new InvalidSchedulerConfigurationError('concurrency', 'an integer >= 1', concurrency);
      }

      const nonJson = findNonJsonValue(payload, 'payload');

      if (nonJson !== null) {
        throw new InvalidPayloadError(nonJson, payload);
      }

      const parsed = parseScheduledTask(task);

      const replacing = scheduledHere.has(name);

      if (replacing && scheduleOptions.replace !== true) {
        throw new DuplicateScheduledTaskError(name);
      }

      const previousRetryPolicy = localRetryPolicies.get(name);

      scheduledHere.add(name);
      localRetryPolicies.set(name, parsed.retry);

      return (async () => {
        try {
          const now = clock.now();
          const record = await store.saveTask({
            now,
            task: {concurrency, misfire: parsed.misfire, name, payload, retry: toStoredRetryPolicy(parsed.retry), schedule: parsed.schedule, timeout: parsed.timeout},
          });

          tasks.set(name, record);

          const materialized = await dispatcher.materialize([name]);
          const latest = materialized.find((planned) => planned.name === name) ?? record;

          tasks.set(name, latest);
          dispatcher.request({claim: true});

          return await toTaskInfo(latest);
        } catch (error) {
          // A failed replacement leaves the task as it was scheduled here before.
          if (replacing && previousRetryPolicy !== undefined) {
            localRetryPolicies.set(name, previousRetryPolicy);
          } else {
            scheduledHere.delete(name);
            localRetryPolicies.delete(name);
          }

          throw error;
        }
      })();
    },
    unschedule: async (name) => {
      assertRunning('unschedule a task');

      if (!isStorableTaskName(name)) {
        return false;
      }

      const deleted = await store.deleteTask({name, now: clock.now()});

      scheduledHere.delete(name);
      localRetryPolicies.delete(name);
      removeLocal(name);

      return deleted;
    },
  };
};
