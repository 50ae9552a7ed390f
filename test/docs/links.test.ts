import {readFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {listMarkdownFiles, root} from './listMarkdownFiles.ts';

/** The Markdown outside fenced blocks and inline code, where links and headings are. */
const readProse = (markdown: string): string[] => {
  const lines: string[] = [];
  let fence: string | null = null;

  for (const line of markdown.split('\n')) {
    const marker = /^ {0,3}(`{3,}|~{3,})/u.exec(line)?.[1] ?? null;

    if (fence === null && marker !== null) {
      fence = marker;
    } else if (fence !== null && marker !== null && marker.startsWith(fence)) {
      fence = null;
    } else if (fence === null) {
      lines.push(line.replaceAll(/`[^`]*`/gu, (code) => (line.startsWith('#') ? code : '')));
    } else {
      lines.push('');
    }
  }

  return lines;
};

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const toAnchor = (heading: string): string => {
  return heading.trim().toLowerCase().replaceAll(/[^\p{L}\p{N}\- _]/gu, '').replaceAll(' ', '-');
};

const readAnchors = async (file: string): Promise<Set<string>> => {
  const headings = readProse(await readFile(file, 'utf8')).filter((line) => /^#{1,6} /u.test(line));

  return new Set(headings.map((line) => toAnchor(line.replace(/^#+ /u, ''))));
};

test('every relative link of the README and docs/ points to a file and heading that exist', async (t) => {
  const markdownFiles = await listMarkdownFiles();
  const broken: string[] = [];
  let checked = 0;

  for (const markdownFile of markdownFiles) {
    const lines = readProse(await readFile(path.join(root, markdownFile), 'utf8'));

    for (const [index, line] of lines.entries()) {
      for (const match of line.matchAll(/\]\((?<target>[^)\s]+)\)/gu)) {
        const target = match.groups?.target ?? '';

        if (/^[a-z]+:/u.test(target)) {
          continue;
        }

        checked++;

        const [file = '', anchor] = target.split('#');
        const resolved = file === '' ? path.join(root, markdownFile) : path.resolve(path.dirname(path.join(root, markdownFile)), file);
        const where = `${markdownFile}:${index + 1} → ${target}`;
        const anchors = await readAnchors(resolved).catch((error: unknown) => {
          // A link to a folder is fine; it has no headings.
          return (error as {code?: string}).code === 'EISDIR' ? new Set<string>() : null;
        });

        if (anchors === null) {
          broken.push(`${where}: no such file`);
        } else if (anchor !== undefined && !anchors.has(anchor)) {
          broken.push(`${where}: no such heading`);
        }
      }
    }
  }

  t.true(checked > 0);
  t.deepEqual(broken, [], `\n${broken.join('\n')}`);
});
