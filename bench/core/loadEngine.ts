import type {EngineConfiguration, StartEngine, SystemName} from './types.ts';

/** The benchmark's tasks in planton@3's task shape, which Planton accepts unchanged. */
const toTasks = (configuration: EngineConfiguration) => {
  return configuration.tasks.map((task) => {
    return {
      calculateDelay: () => task.delayMs,
      concurrency: task.concurrency,
      name: task.name,
      schedule: ({limit}: {readonly limit: number}) => task.schedule(limit),
    };
  });
};

/**
 * Imports one system (and only that one, so a child's memory holds no other engine) and returns a
 * function that starts it with the benchmark's tasks. Both receive the very same functions.
 */
export const loadEngine = async (system: SystemName): Promise<StartEngine> => {
  const {createPlanton} = system === 'planton' ? await import('../../src/index.ts') : await import('planton-v3');

  return (configuration: EngineConfiguration) => {
    const planton = createPlanton<string>({
      getActiveTaskInstructions: configuration.getActiveTaskInstructions,
      tasks: toTasks(configuration),
    });

    return {
      onTask: (listener) => {
        planton.events.on('task', listener);
      },
      terminate: planton.terminate,
    };
  };
};
