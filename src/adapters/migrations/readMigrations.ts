import {createHash} from 'node:crypto';
import {readdir, readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Migration} from './types.ts';

export type ReadMigrationsConfiguration = {
  /** The set of migrations: the folder under `migrations/<dialect>/`, e.g. `store` or `scheduler`. */
  readonly component: string;
  /** The SQL dialect: the folder under `migrations/`, e.g. `postgres`. */
  readonly dialect: string;
};

const FILE_NAME = /^(?<version>\d{4})-[\da-z-]+\.sql$/u;

const isDirectory = async (candidate: string): Promise<boolean> => {
  try {
    return (await stat(candidate)).isDirectory();
  } catch {
    return false;
  }
};

/** `relative` in the nearest directory above this module that holds it: the package root, from src/ or dist/src/. */
const findDirectory = async (relative: string): Promise<string> => {
  const start = path.dirname(fileURLToPath(import.meta.url));

  for (let directory = start; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, relative);

    if (await isDirectory(candidate)) {
      return candidate;
    }

    if (path.dirname(directory) === directory) {
      throw new Error(`Cannot find \`${relative}\` above ${start}.`);
    }
  }
};

/**
 * The migrations of one component in one dialect, in version order, each with the sha256 of its
 * file. The files are named `0001-….sql`, `0002-….sql`, … without gaps; anything else in the folder
 * is a packaging mistake, refused here rather than half applied.
 */
export const readMigrations = async ({component, dialect}: ReadMigrationsConfiguration): Promise<readonly Migration[]> => {
  const directory = await findDirectory(path.join('migrations', dialect, component));
  const files = (await readdir(directory)).toSorted();

  return await Promise.all(files.map(async (file, index) => {
    const version = Number(FILE_NAME.exec(file)?.groups?.version);

    if (version !== index + 1) {
      throw new Error(`Expected the migrations in ${directory} to be named 0001-….sql, 0002-….sql, … without gaps, got \`${file}\` at position ${index + 1}.`);
    }

    const content = await readFile(path.join(directory, file));

    return {
      checksum: createHash('sha256').update(content).digest('hex'),
      file,
      text: content.toString('utf8'),
      version,
    };
  }));
};
