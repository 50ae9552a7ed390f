import type {EngineConfiguration, StartEngine, SystemName} from './types.ts';

/**
 * Imports one system (and only that one, so a child's memory holds no other engine) and returns a
 * function that starts it with the benchmark's tasks. Both receive the very same functions.
 */
export const loadEngine = async (system: SystemName): Promise<StartEngine> => {
  if (system === 'planton') {
    const {createPlanton} = await import('../../src/index.ts');

    return (configuration: EngineConfiguration) => {
      const planton = createPlanton<string>({
        getActiveTaskInstructions: configuration.getActiveTaskInstructions,
        tasks: configuration.tasks.map((task) => {
          return {
            calculateDelay: () => task.delayMs,
            concurrency: task.concurrency,
            name: task.name,
            schedule: ({limit}) => task.schedule(limit),
          };
        }),
      });

      return {
        onTask: (listener) => {
          planton.events.on('task', listener);
        },
        terminate: planton.terminate,
      };
    };
  }

  const {createPlanton} = await import('planton-v3');

  return (configuration: EngineConfiguration) => {
    const planton = createPlanton({
      getActiveTaskInstructions: configuration.getActiveTaskInstructions,
      tasks: configuration.tasks.map((task) => {
        return {
          calculateDelay: () => task.delayMs,
          concurrency: task.concurrency,
          name: task.name,
          schedule: ({limit}) => task.schedule(limit),
        };
      }),
    });

    return {
      onTask: (listener) => {
        planton.events.on('task', listener);
      },
      terminate: planton.terminate,
    };
  };
};
