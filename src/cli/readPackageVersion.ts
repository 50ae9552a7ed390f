import {readFileSync} from 'node:fs';

/**
 * Planton's version from its package.json, found by walking up from this file: two levels up from
 * the sources (`src/cli`), three from the build (`dist/src/cli`). `unknown` if none is found.
 */
export const readPackageVersion = (from: URL = new URL('.', import.meta.url)): string => {
  for (let directory = from; directory.pathname !== '/'; directory = new URL('..', directory)) {
    try {
      const {name, version} = JSON.parse(readFileSync(new URL('package.json', directory), 'utf8')) as {readonly name?: unknown; readonly version?: unknown};

      if (name === 'planton' && typeof version === 'string') {
        return version;
      }
    } catch {
      // No package.json here: one level up.
    }
  }

  return 'unknown';
};
