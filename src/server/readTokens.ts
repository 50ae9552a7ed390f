import {readFile} from 'node:fs/promises';
import type {ServerToken} from './createAuth.ts';
import {parseTokens} from './parseTokens.ts';

export type ReadTokensConfiguration = {
  /**
   * Where the variables are read.
   * @default process.env
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
};

/**
 * The server's tokens from the environment: `PLANTON_TOKENS` holds a list (`admin:<token>,read:<token>:grafana`)
 * and `PLANTON_TOKENS_FILE` names a file with one entry per line (`#` comments allowed); both may be
 * set, and their tokens add up. See `parseTokens` for the format. Neither set: no tokens.
 */
export const readTokens = async ({environment = process.env}: ReadTokensConfiguration = {}): Promise<ServerToken[]> => {
  const inline = environment.PLANTON_TOKENS ?? '';
  const file = environment.PLANTON_TOKENS_FILE ?? '';

  return [
    ...parseTokens(inline, 'PLANTON_TOKENS'),
    ...file === '' ? [] : parseTokens(await readFile(file, 'utf8'), file),
  ];
};
