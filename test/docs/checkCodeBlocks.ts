import {execFile} from 'node:child_process';
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {extractCodeBlocks} from './extractCodeBlocks.ts';

const execFileAsync = promisify(execFile);

export type CheckCodeBlocksConfiguration = {
  /**
   * Where the blocks are written as modules, with the tsconfig.json that compiles them. Emptied
   * first, and removed again when every block compiles. Must be inside the repository (so the
   * blocks resolve its node_modules) and ignored by git.
   */
  readonly directory: string;

  /**
   * The Markdown files to check, relative to `root`.
   */
  readonly markdownFiles: readonly string[];

  /**
   * The repository: its package.json "exports" map says which module each package entry point
   * is, and its tsconfig.json gives the compiler options.
   */
  readonly root: string;
};

export type CodeBlocksReport = {
  readonly blockCount: number;

  /**
   * One line per compiler error, as `README.md:42:7 TS2304: Cannot find name 'pool'.`, the
   * position being the one in the Markdown file.
   */
  readonly errors: readonly string[];
};

type WrittenBlock = {
  readonly firstCodeLine: number;
  readonly line: number;
  readonly markdownFile: string;
};

type PackageExports = Record<string, {readonly types: string}>;

/**
 * `paths` for the compiler: each entry point of the package ('planton', 'planton/postgres', …)
 * mapped from the declaration file it publishes to the source it is built from.
 */
export const createPaths = async (root: string): Promise<Record<string, string[]>> => {
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {exports: PackageExports; name: string};

  return Object.fromEntries(Object.entries(manifest.exports).map(([subpath, {types}]) => {
    const source = types.replace(/^\.\/dist\//u, '').replace(/\.d\.ts$/u, '.ts');

    return [path.posix.join(manifest.name, subpath), [path.join(root, source)]];
  }));
};

const toModuleName = (markdownFile: string, line: number): string => {
  return `${markdownFile.replaceAll(/[^\w.-]/gu, '_')}.L${line}.ts`;
};

const diagnosticPattern = /^(?<file>[^\s(]+\.ts)\((?<line>\d+),(?<column>\d+)\): error (?<code>TS\d+): (?<message>.*)$/u;

/**
 * Compiles every ```ts block of the given Markdown files as its own module, in one compiler run,
 * with the repository's compiler options and the package's entry points resolved to src/.
 */
export const checkCodeBlocks = async ({directory, markdownFiles, root}: CheckCodeBlocksConfiguration): Promise<CodeBlocksReport> => {
  await rm(directory, {force: true, recursive: true});
  await mkdir(directory, {recursive: true});

  const written = new Map<string, WrittenBlock>();

  for (const markdownFile of markdownFiles) {
    const blocks = extractCodeBlocks(await readFile(path.join(root, markdownFile), 'utf8'));

    for (const block of blocks) {
      const prelude = block.prelude === '' ? [] : block.prelude.split('\n');
      const moduleName = toModuleName(markdownFile, block.line);

      // `export {}` makes every block a module: top-level await works, and names never clash.
      await writeFile(path.join(directory, moduleName), [...prelude, block.code, 'export {};', ''].join('\n'));
      written.set(moduleName, {firstCodeLine: prelude.length + 1, line: block.line, markdownFile});
    }
  }

  const configuration = {
    compilerOptions: {
      declaration: false,
      noEmit: true,
      paths: await createPaths(root),
      sourceMap: false,
    },
    extends: path.join(root, 'tsconfig.json'),
    files: [...written.keys()],
  };

  await writeFile(path.join(directory, 'tsconfig.json'), JSON.stringify(configuration, null, 2));

  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const output = await execFileAsync(process.execPath, [tsc, '-p', directory, '--pretty', 'false']).then(
    ({stdout}) => stdout,
    (error: unknown) => {
      const {stderr, stdout} = error as {stderr?: string; stdout?: string};

      if (!stdout) {
        throw error;
      }

      return stdout + (stderr ?? '');
    },
  );

  // A diagnostic's explanation continues on indented lines: keep each diagnostic whole.
  const diagnostics = output.split(/\n(?=\S)/u).map((diagnostic) => diagnostic.trimEnd()).filter((diagnostic) => diagnostic !== '');
  const errors = diagnostics.map((diagnostic) => {
    const [line = '', ...explanation] = diagnostic.split('\n');
    const match = diagnosticPattern.exec(line);
    const block = match?.groups ? written.get(path.basename(match.groups.file ?? '')) : undefined;

    if (!match?.groups || !block) {
      return diagnostic;
    }

    const generatedLine = Number(match.groups.line);
    const where = generatedLine < block.firstCodeLine ?
      `${block.markdownFile}:${block.line} (the ts-prelude of the block)` :
      `${block.markdownFile}:${block.line + generatedLine - block.firstCodeLine}:${match.groups.column}`;

    return [`${where} ${match.groups.code}: ${match.groups.message}`, ...explanation].join('\n');
  });

  if (errors.length === 0) {
    await rm(directory, {force: true, recursive: true});
  }

  return {blockCount: written.size, errors};
};
