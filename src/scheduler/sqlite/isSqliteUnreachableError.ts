/**
 * SQLite's primary result codes that say the database file cannot be used, rather than that a
 * statement is wrong: SQLITE_BUSY and SQLITE_LOCKED (another connection held the write lock past the
 * busy timeout: the file's "server" did not answer in time), SQLITE_IOERR, SQLITE_CORRUPT,
 * SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_READONLY and SQLITE_PERM.
 */
const UNREACHABLE_CODES = new Set([3, 5, 6, 8, 10, 11, 13, 14, 26]);

/**
 * Whether `error` (or an error in its `cause` chain) from `node:sqlite` says the database cannot be
 * used: one of the result codes above (extended codes reduced to their primary code), or a
 * connection that was closed (`ERR_INVALID_STATE`: "database is not open").
 */
export const isSqliteUnreachableError = (error: unknown): boolean => {
  let current: unknown = error;

  for (let depth = 0; depth < 10 && current !== null && current !== undefined; depth++) {
    const {code, errcode} = current as {readonly code?: unknown; readonly errcode?: unknown};

    if (code === 'ERR_INVALID_STATE' || (code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && UNREACHABLE_CODES.has(errcode & 0xFF))) {
      return true;
    }

    current = (current as {readonly cause?: unknown}).cause;
  }

  return false;
};
