import {mkdir, rm, rmdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {checkCodeBlocks} from './checkCodeBlocks.ts';
import {extractCodeBlocks} from './extractCodeBlocks.ts';
import {listMarkdownFiles, root} from './listMarkdownFiles.ts';

// Inside the repository, so the blocks resolve its node_modules; .gitignore lists it.
const scratch = path.join(root, '.docs-blocks');

test.after.always(async () => {
  // Left behind only when a block failed to compile, for a look at the generated modules.
  await rmdir(scratch).catch(() => undefined);
});

test('every TypeScript block of the README and docs/ compiles against src/', async (t) => {
  const markdownFiles = await listMarkdownFiles();
  const {blockCount, errors} = await checkCodeBlocks({directory: path.join(scratch, 'docs'), markdownFiles, root});

  t.true(blockCount > markdownFiles.length, `only ${blockCount} blocks found in ${markdownFiles.join(', ')}`);
  t.deepEqual(errors, [], `\n${errors.join('\n')}`);
});

test('a block that does not compile is reported at its line in its Markdown file', async (t) => {
  const markdownFile = path.join('.docs-blocks', 'self-test.md');

  await mkdir(scratch, {recursive: true});
  await writeFile(path.join(root, markdownFile), [
    '# Title',
    '',
    '<!-- ts-prelude: declare const count: number; -->',
    '```ts',
    'const doubled: number = count * 2;',
    'const name: string = doubled;',
    '```',
    '',
    '```sh',
    'npm test',
    '```',
    '',
  ].join('\n'));

  try {
    const {blockCount, errors} = await checkCodeBlocks({directory: path.join(scratch, 'self-test'), markdownFiles: [markdownFile], root});

    t.is(blockCount, 1);
    t.deepEqual(errors, [`${markdownFile}:6:7 TS2322: Type 'number' is not assignable to type 'string'.`]);
  } finally {
    await rm(path.join(root, markdownFile), {force: true});
    await rm(path.join(scratch, 'self-test'), {force: true, recursive: true});
  }
});

const extractions: Array<[string, string, Array<{code: string; line: number; prelude: string}>]> = [
  ['a ts block', 'text\n```ts\nconst a = 1;\n```\n', [{code: 'const a = 1;', line: 3, prelude: ''}]],
  ['a typescript block', '```typescript\nconst a = 1;\n```', [{code: 'const a = 1;', line: 2, prelude: ''}]],
  ['no sh, sql or text block', '```sh\nnpm test\n```\n```sql\nSELECT 1;\n```\n```\nplain\n```', []],
  ['no ts fence inside another block', '````md\n```ts\nconst a = 1;\n```\n````', []],
  ['a one-line prelude', '<!-- ts-prelude: declare const a: number; -->\n```ts\na;\n```', [{code: 'a;', line: 3, prelude: 'declare const a: number;'}]],
  [
    'a prelude over several lines',
    '<!-- ts-prelude:\ndeclare const a: number;\ndeclare const b: number;\n-->\n```ts\na + b;\n```',
    [{code: 'a + b;', line: 6, prelude: 'declare const a: number;\ndeclare const b: number;'}],
  ],
  ['no prelude from a comment a line away', '<!-- ts-prelude: declare const a: number; -->\n\n```ts\na;\n```', [{code: 'a;', line: 4, prelude: ''}]],
  ['no prelude from another comment', '<!-- note -->\n```ts\na;\n```', [{code: 'a;', line: 3, prelude: ''}]],
];

for (const [title, markdown, expected] of extractions) {
  test(`extractCodeBlocks finds ${title}`, (t) => {
    t.deepEqual(extractCodeBlocks(markdown), expected);
  });
}
