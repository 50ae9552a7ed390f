import type {Logger} from 'roarr';
import type {OnListenerError} from './createEmitter.ts';
import {serializeUserError} from './serializeUserError.ts';

/**
 * The `onListenerError` hook given to `createEmitter`: a listener that threw is logged (error
 * level, with the event's name) on the emitting component's logger; the emit goes on.
 */
export const createListenerErrorHook = (log: Logger): OnListenerError => {
  return (eventName, _payload, error) => {
    log.error({error: serializeUserError(error), eventName: String(eventName)}, 'an event listener threw');
  };
};
