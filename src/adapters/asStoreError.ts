import {PlantonError} from '../planton/errors.ts';
import {StoreUnreachableError} from './errors.ts';

/**
 * A store call's failure as the store reports it: the database not reached (a connection refused
 * or lost, a login refused: what the store's `isConnectionError` says) is `STORE_UNREACHABLE` with
 * the driver's error as `cause`; a Planton error, or any other error (the user's claim failing in
 * SQL, say), as it is.
 */
export const asStoreError = (error: unknown, isConnectionError: (error: unknown) => boolean): unknown => {
  return !(error instanceof PlantonError) && isConnectionError(error) ? new StoreUnreachableError(error) : error;
};
