import {execFile} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test from 'ava';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
// ava's command line sits beside its main entry point (the package exports no path to it).
const avaCli = path.join(path.dirname(fileURLToPath(import.meta.resolve('ava'))), 'cli.mjs');

type Run = {readonly exitCode: number; readonly output: string};

/** Runs ava, as `npm test` does, on one fixture file whose only test passes. */
const runAva = async (fixture: string): Promise<Run> => {
  return await new Promise((resolve) => {
    execFile(process.execPath, [avaCli, '--config', 'ava.config.mjs', fixture], {cwd: fixtures, env: {...process.env, CI: '1'}}, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;

      resolve({exitCode, output: stdout + stderr});
    });
  });
};

test('the control: a run whose test passes and leaves nothing behind exits 0', async (t) => {
  const run = await runAva('passes.fixture.ts');

  t.is(run.exitCode, 0, run.output);
  t.regex(run.output, /1 test passed/u);
});

test('a rejection nobody handles fails the run although every test passed', async (t) => {
  const run = await runAva('unhandledRejection.fixture.ts');

  t.is(run.exitCode, 1, run.output);
  t.regex(run.output, /1 unhandled rejection/u);
  t.regex(run.output, /stray rejection/u);
});

test('an exception thrown outside any test fails the run although every test passed', async (t) => {
  const run = await runAva('uncaughtException.fixture.ts');

  t.is(run.exitCode, 1, run.output);
  t.regex(run.output, /1 uncaught exception/u);
  t.regex(run.output, /stray exception/u);
});

test('a child process of a test (spawnFixture) that dies of a rejection nobody handles fails the run although every test passed', async (t) => {
  const run = await runAva('strayChildRejection.fixture.ts');

  t.is(run.exitCode, 1, run.output);
  t.regex(run.output, /stray rejection in a child process/u);
  t.regex(run.output, /1 uncaught exception/u);
  t.regex(run.output, /rejectingChild\.ts exited by itself with code 1/u);
});
