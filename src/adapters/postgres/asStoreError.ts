import {PlantonError} from '../../planton/errors.ts';
import {StoreUnreachableError} from '../errors.ts';
import {isConnectionError} from './isConnectionError.ts';

/**
 * A store call's failure as the store reports it: the database not reached (a connection refused
 * or lost, a login refused: see isConnectionError) is `STORE_UNREACHABLE` with the driver's error as
 * `cause`; a Planton error, or any other error (the user's claim failing in SQL, say), as it is.
 */
export const asStoreError = (error: unknown): unknown => {
  return !(error instanceof PlantonError) && isConnectionError(error) ? new StoreUnreachableError(error) : error;
};
