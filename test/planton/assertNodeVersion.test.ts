import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {assertNodeVersion, REQUIRED_NODE_MAJOR} from '../../src/planton/assertNodeVersion.ts';

const root = new URL('../..', import.meta.url).pathname;
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  readonly engines: {readonly node: string};
  readonly exports: Readonly<Record<string, {readonly default: string}>>;
};
/** The source of each entry point of package.json "exports" (`./dist/src/x/index.js` → `src/x/index.ts`), and the brokers' shared one. */
const entryPoints = [...Object.values(packageJson.exports).map(({default: path}) => path.replace(/^\.\/dist\//u, '').replace(/\.js$/u, '.ts')), 'src/adapters/sinks/index.ts'];

for (const version of ['20.20.2', '22.12.0', '23.11.1']) {
  test(`Node.js ${version} is refused with UNSUPPORTED_NODE_VERSION`, (t) => {
    const error = t.throws(() => {
      assertNodeVersion(version);
    });

    t.like(error, {code: 'UNSUPPORTED_NODE_VERSION', message: `Planton requires Node.js 24 or newer; this is Node.js ${version}.`, nodeVersion: version, requiredMajor: 24});
  });
}

for (const version of ['24.0.0', '24.21.0', '26.1.0', '100.0.0']) {
  test(`Node.js ${version} is accepted`, (t) => {
    t.notThrows(() => {
      assertNodeVersion(version);
    });
  });
}

test('the required version is the one package.json "engines" names', (t) => {
  t.is(packageJson.engines.node, `>=${REQUIRED_NODE_MAJOR}`);
});

test('every entry point imports the check before anything else', (t) => {
  t.true(entryPoints.length >= 8);

  for (const path of entryPoints) {
    const firstStatement = readFileSync(join(root, path), 'utf8').replaceAll(/\/\*[\s\S]*?\*\/|\/\/.*$/gmu, '').trim().split('\n')[0];

    t.regex(firstStatement ?? '', /^import '(?:\.\.?\/)+planton\/assertNodeVersion\.ts';$/u, path);
  }
});

/** A Node.js older than 24: PLANTON_TEST_OLD_NODE, else the system's /usr/bin/node when it is one. */
const findOldNode = (): string | null => {
  const candidate = process.env.PLANTON_TEST_OLD_NODE ?? '/usr/bin/node';
  const {status, stdout} = spawnSync(candidate, ['--version'], {encoding: 'utf8'});

  return status === 0 && Number.parseInt(stdout.replace(/^v/u, ''), 10) < REQUIRED_NODE_MAJOR ? candidate : null;
};

const oldNode = findOldNode();

if (oldNode === null) {
  console.log('skipped: set PLANTON_TEST_OLD_NODE to a Node.js older than 24');
  test.skip('on an older Node.js, importing any built entry point fails at once with one line naming the version', () => undefined);
} else {
  test('on an older Node.js, importing any built entry point fails at once with one line naming the version', (t) => {
    // The package as a consumer gets it: src/ built to dist/ (as `prepare` does), beside the dependencies.
    const directory = mkdtempSync(join(tmpdir(), 'planton-node-version-'));

    t.teardown(() => {
      rmSync(directory, {force: true, recursive: true});
    });
    writeFileSync(join(directory, 'package.json'), JSON.stringify({type: 'module'}));
    symlinkSync(join(root, 'node_modules'), join(directory, 'node_modules'));

    const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(directory, 'dist')], {encoding: 'utf8'});

    t.is(build.status, 0, build.stdout);

    const {stdout: version} = spawnSync(oldNode, ['--version'], {encoding: 'utf8'});

    for (const path of entryPoints) {
      const entry = join(directory, 'dist', path.replace(/\.ts$/u, '.js'));
      const old = spawnSync(oldNode, [entry], {encoding: 'utf8', timeout: 30_000});

      t.is(old.signal, null, `${path} did not hang`);
      t.is(old.status, 1, path);
      t.true(old.stderr.includes(`Planton requires Node.js 24 or newer; this is Node.js ${version.trim().replace(/^v/u, '')}.`), old.stderr);
      t.true(old.stderr.includes('UNSUPPORTED_NODE_VERSION'), old.stderr);

      // The same file loads on this Node (24).
      const current = spawnSync(process.execPath, [entry], {encoding: 'utf8', timeout: 30_000});

      t.is(current.status, 0, current.stderr);
    }
  });
}
