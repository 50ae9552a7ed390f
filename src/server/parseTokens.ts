import type {ServerRole, ServerToken} from './createAuth.ts';
import {InvalidServerConfigurationError} from './errors.ts';

const ROLES = new Set<string>(['admin', 'read', 'worker']);

/**
 * Reads a token list: entries separated by new lines or commas, each `role:token` or
 * `role:token:name` (role `admin`, `read` or `worker`); blank entries and lines starting with `#`
 * are skipped. `source` names where the text came from in errors (`PLANTON_TOKENS`, a file path).
 * The tokens themselves are checked by `createAuth` (16 characters or more, no `:`).
 */
export const parseTokens = (text: string, source: string): ServerToken[] => {
  const tokens: ServerToken[] = [];
  const lines = text.split(/\r?\n/u);

  for (const [lineIndex, line] of lines.entries()) {
    if (line.trim().startsWith('#')) {
      continue;
    }

    for (const rawEntry of line.split(',')) {
      const entry = rawEntry.trim();

      if (entry === '') {
        continue;
      }

      const [role = '', token = '', name, ...rest] = entry.split(':');
      const where = `${source} line ${lineIndex + 1}`;

      if (!ROLES.has(role) || token === '' || rest.length > 0 || name === '') {
        // The entry is not echoed: it holds a secret.
        throw new InvalidServerConfigurationError(where, '`role:token` or `role:token:name`, role `admin`, `read` or `worker`', `${role || '<empty>'}:<redacted>`);
      }

      tokens.push(name === undefined ? {role: role as ServerRole, token} : {name, role: role as ServerRole, token});
    }
  }

  return tokens;
};
