import {readFile, unlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {DataDirectoryLockedError} from './errors.ts';

/** The file that says which process holds a data directory. */
export const LOCK_FILE = 'planton.pid';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);

    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Takes the PGlite data directory for this process: PGlite has no lock of its own, and two processes
 * on one directory would corrupt it. Writes `planton.pid` exclusively; one left by a process that is
 * gone (killed) is taken over. Rejects with `DATA_DIRECTORY_LOCKED` while a live process holds it.
 * Resolves the function that releases it.
 */
export const lockDataDirectory = async (directory: string): Promise<() => Promise<void>> => {
  const path = join(directory, LOCK_FILE);
  const mine = String(process.pid);

  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, mine, {flag: 'wx'});

      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw error;
      }
    }

    const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);

    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new DataDirectoryLockedError(directory, holder);
    }

    await unlink(path).catch(() => undefined);
  }

  return async () => {
    if (await readFile(path, 'utf8').catch(() => null) === mine) {
      await unlink(path).catch(() => undefined);
    }
  };
};
