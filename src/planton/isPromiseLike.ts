/** Whether `value` is a thenable: what a user function or listener returned when it went async. */
export const isPromiseLike = (value: unknown): value is PromiseLike<unknown> => {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
};
