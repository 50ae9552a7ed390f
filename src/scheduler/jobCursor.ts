/**
 * The cursor of a page of jobs (`listJobs`): the position of the page's last job in the history's
 * order, `scheduledFor` and `id`, as an opaque URL-safe string a client passes back unchanged.
 */
import {InvalidSchedulerArgumentError} from './errors.ts';

export type JobPosition = {
  readonly id: number;
  readonly scheduledFor: number;
};

export const encodeJobCursor = ({id, scheduledFor}: JobPosition): string => Buffer.from(JSON.stringify([scheduledFor, id])).toString('base64url');

/** The position a cursor holds; throws `INVALID_ARGUMENT` (option `after`) for a string `encodeJobCursor` did not make. */
export const decodeJobCursor = (cursor: unknown): JobPosition => {
  let decoded: unknown = null;

  if (typeof cursor === 'string' && /^[\w\-]{1,200}$/v.test(cursor)) {
    try {
      decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      decoded = null;
    }
  }

  if (!Array.isArray(decoded) || decoded.length !== 2 || !decoded.every((value) => Number.isSafeInteger(value)) || (decoded[1] as number) < 1) {
    throw new InvalidSchedulerArgumentError('after', 'a cursor returned as `nextCursor` by `listJobs`', cursor);
  }

  return {id: decoded[1] as number, scheduledFor: decoded[0] as number};
};
