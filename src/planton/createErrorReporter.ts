import type {Logger} from 'roarr';
import type {Emitter} from './types.ts';
import {serializeUserError} from './serializeUserError.ts';

/** What an `error` event carries: the error, and whatever context the component adds (`taskName`, …). */
type ErrorPayload = {readonly error: Error};

/** Logs `payload` with `message`, then emits it as the `error` event. */
export type ReportError<Payload extends ErrorPayload> = (payload: Payload, message: string) => void;

/**
 * The one way a component reports a failure it survives: a roarr line at error level (the payload
 * as context, its `error` through serializeError), then the same payload as the `error` event of
 * `events` (emitting `error` with no listener is harmless, see `createEmitter`). Give `Events`
 * explicitly (TypeScript cannot infer it from the emitter's generic `emit`).
 */
export const createErrorReporter = <Events extends {readonly error: ErrorPayload}>({events, log}: {
  /** The component's emitter. */
  readonly events: Pick<Emitter<Events>, 'emit'>;
  readonly log: Logger;
}): ReportError<Events['error']> => {
  return (payload, message) => {
    // Bounded: a user's error may hold a value nested deeper than serialize-error's recursion can walk.
    log.error({...payload, error: serializeUserError(payload.error)}, message);
    events.emit('error', payload);
  };
};
