/** The SQLSTATE of a database error, looked for along the `cause` chain (slonik wraps pg's errors). */
export const getSqlState = (error: unknown): string | null => {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const {code} = current as Error & {code?: unknown};

    if (typeof code === 'string' && /^[\dA-Z]{5}$/u.test(code)) {
      return code;
    }
  }

  return null;
};
