import type {Emitter, Listener} from './types.ts';

export type OnListenerError = (eventName: PropertyKey, payload: unknown, error: unknown) => void;

type Registration = {
  /** What the user passed to `on`/`once`, so `off` finds it either way. */
  readonly listener: Listener<never>;
  readonly once: boolean;
};

/**
 * A small typed emitter. Unlike node:events (which planton@3 used), emitting `error` with no
 * listener does not throw, and a throwing listener never breaks the emitting loop:
 * it is reported through `onListenerError` and the remaining listeners still run. So is an async
 * listener whose promise rejects (later), instead of an unhandled rejection that ends the process.
 */
export const createEmitter = <Events extends Record<string, unknown>>(onListenerError: OnListenerError): Emitter<Events> => {
  const registrations = new Map<keyof Events, readonly Registration[]>();

  // Copy on write, so an emit in progress keeps iterating the list it started with.
  const remove = (name: keyof Events, registration: Registration) => {
    const current = registrations.get(name) ?? [];

    registrations.set(name, current.filter((candidate) => candidate !== registration));
  };

  const add = (name: keyof Events, listener: Listener<never>, once: boolean) => {
    registrations.set(name, [...registrations.get(name) ?? [], {listener, once}]);
  };

  return {
    emit: (name, payload) => {
      const current = registrations.get(name);

      if (!current) {
        return;
      }

      for (const registration of current) {
        if (registration.once) {
          remove(name, registration);
        }

        try {
          // An async listener returns a promise: its rejection is reported too, never left unhandled.
          const result: unknown = (registration.listener as Listener<typeof payload>)(payload);

          if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
            (result as PromiseLike<unknown>).then(undefined, (error: unknown) => {
              onListenerError(name, payload, error);
            });
          }
        } catch (error) {
          onListenerError(name, payload, error);
        }
      }
    },
    listenerCount: (name) => {
      return registrations.get(name)?.length ?? 0;
    },
    off: (name, listener) => {
      const registration = registrations.get(name)?.find((candidate) => candidate.listener === listener);

      if (registration) {
        remove(name, registration);
      }
    },
    on: (name, listener) => {
      add(name, listener, false);
    },
    once: (name, listener) => {
      add(name, listener, true);
    },
  };
};
