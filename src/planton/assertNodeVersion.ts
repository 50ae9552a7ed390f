import {UnsupportedNodeVersionError} from './errors.ts';

/** The oldest Node.js major Planton runs on: the one package.json's `engines` names. */
export const REQUIRED_NODE_MAJOR = 24;

/**
 * Throws `UnsupportedNodeVersionError` when `version` (as `process.versions.node` spells it, e.g.
 * `20.20.2`) is older than Node.js 24. Pure.
 */
export const assertNodeVersion = (version: string): void => {
  if (!(Number.parseInt(version, 10) >= REQUIRED_NODE_MAJOR)) {
    throw new UnsupportedNodeVersionError(version, REQUIRED_NODE_MAJOR);
  }
};

// On import: every entry point (src/index.ts, src/**/index.ts) imports this module first, so an older
// Node fails here with one line naming the version, not later (`Promise.withResolvers is not a
// function`) with a task loop left hanging.
assertNodeVersion(process.versions.node);
