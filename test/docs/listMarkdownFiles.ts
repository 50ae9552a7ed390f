import {readdir} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** The repository's root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The documentation the checks cover: README.md and docs/*.md, relative to the root. */
export const listMarkdownFiles = async (): Promise<string[]> => {
  const docs = await readdir(path.join(root, 'docs'));

  return ['README.md', ...docs.filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
};
