import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';

const root = new URL('../..', import.meta.url).pathname;

type LockedPackage = {
  readonly bin?: Readonly<Record<string, string>>;
  readonly cpu?: string | readonly string[];
  readonly dev?: boolean;
  readonly hasInstallScript?: boolean;
  readonly optional?: boolean;
  readonly os?: string | readonly string[];
  readonly version?: string;
};

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const packageJson = readJson<{
  readonly files: readonly string[];
  readonly exports: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly scripts: Readonly<Record<string, string>>;
}>('package.json');
const {packages} = readJson<{readonly packages: Readonly<Record<string, LockedPackage>>}>('package-lock.json');
const includes = (field: string | readonly string[] | undefined, value: string) => field === value || (Array.isArray(field) && field.includes(value));

// `npm ci --ignore-scripts` skips install scripts: the pin must not need one to put Node 24 in node_modules/.bin.
test('the Node.js the npm scripts run on comes from packages without an install script, one per platform', (t) => {
  const nodeBins = Object.entries(packages).filter(([path, locked]) => path !== '' && locked.bin?.node !== undefined);

  t.true(nodeBins.length > 0);

  for (const [path, locked] of nodeBins) {
    t.like(locked, {dev: true, optional: true}, path);
    t.not(locked.hasInstallScript, true, `${path} needs an install script`);
    t.truthy(locked.os, path);
    t.truthy(locked.cpu, path);
    t.is(Number.parseInt(locked.version ?? '', 10), 24, path);
  }

  const here = nodeBins.filter(([, locked]) => includes(locked.os, process.platform) && includes(locked.cpu, process.arch));

  t.is(here.length, 1, `one binary package for ${process.platform}-${process.arch}`);
});

// A consumer installing from a git URL or a `file:` folder gets the package as npm's `prepare` leaves it.
test('`prepare` builds every file the package exports', (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'planton-prepare-'));

  t.teardown(() => {
    rmSync(directory, {force: true, recursive: true});
  });

  const {prepare} = packageJson.scripts;

  t.truthy(prepare);

  const build = spawnSync(`${prepare ?? 'false'} --outDir ${join(directory, 'dist')}`, {
    cwd: root,
    encoding: 'utf8',
    env: {...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`},
    shell: true,
  });

  t.is(build.status, 0, build.stdout + build.stderr);

  for (const conditions of Object.values(packageJson.exports)) {
    for (const path of Object.values(conditions)) {
      t.true(existsSync(join(directory, path)), path);
    }
  }

  // The dashboard's page, which the server serves from dist/dashboard, and the package ships.
  t.true(packageJson.files.includes('dist/dashboard'));
  for (const file of ['index.html', 'app.js', 'app.css']) {
    t.true(existsSync(join(directory, 'dist', 'dashboard', file)), `dist/dashboard/${file}`);
  }
});

// `npx planton` runs the bin from the build under the consumer's Node (24): it must be built and start.
test('`prepare` builds the `planton` bin, a Node script that runs from dist/', (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'planton-bin-'));

  t.teardown(() => {
    rmSync(directory, {force: true, recursive: true});
  });

  const {bin} = readJson<{readonly bin?: Readonly<Record<string, string>>}>('package.json');
  const path = bin?.planton;

  t.is(path, './dist/src/cli/main.js');

  const build = spawnSync(`${packageJson.scripts.prepare ?? 'false'} --outDir ${join(directory, 'dist')}`, {
    cwd: root,
    encoding: 'utf8',
    env: {...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`},
    shell: true,
  });

  t.is(build.status, 0, build.stdout + build.stderr);

  // Its dependencies resolve as in an installed package.
  symlinkSync(join(root, 'node_modules'), join(directory, 'node_modules'));

  const built = join(directory, path ?? '');

  t.true(readFileSync(built, 'utf8').startsWith('#!/usr/bin/env node\n'));

  const help = spawnSync(process.execPath, [built, '--help'], {encoding: 'utf8'});

  t.is(help.status, 0, help.stderr);
  t.regex(help.stdout, /^Usage: planton /u);
});
