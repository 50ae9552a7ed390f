/** The smallest of the values that are not `null`; `Infinity` when there is none. */
export const earliest = (...values: ReadonlyArray<number | null>): number => {
  let result = Number.POSITIVE_INFINITY;

  for (const value of values) {
    if (value !== null && value < result) {
      result = value;
    }
  }

  return result;
};
