import type * as Sqlite from 'node:sqlite';

/**
 * `node:sqlite`, loaded when a store opens or checks a database rather than when a module imports
 * it: a static import fails before any code runs on a Node.js without it (ERR_UNKNOWN_BUILTIN_MODULE),
 * so `planton/sqlite` and `planton/scheduler` would never reach the version check's one line
 * (UNSUPPORTED_NODE_VERSION). Types come from `import type`, which the build erases.
 */
export const loadSqlite = (): typeof Sqlite => process.getBuiltinModule('node:sqlite');
