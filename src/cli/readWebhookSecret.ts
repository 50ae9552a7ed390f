import {readFile} from 'node:fs/promises';

/**
 * The webhooks' signing secret of `planton serve`: `PLANTON_WEBHOOK_SECRET`, or the contents of the
 * file `PLANTON_WEBHOOK_SECRET_FILE` names (a trailing newline dropped), the variable first; `null`
 * when neither is set. Never a command-line value (other users see those in `ps`), never printed.
 */
export const readWebhookSecret = async (environment: Readonly<Record<string, string | undefined>> = process.env): Promise<string | null> => {
  const inline = environment.PLANTON_WEBHOOK_SECRET ?? '';

  if (inline !== '') {
    return inline;
  }

  const file = environment.PLANTON_WEBHOOK_SECRET_FILE ?? '';

  return file === '' ? null : (await readFile(file, 'utf8')).replace(/\r?\n$/u, '');
};
