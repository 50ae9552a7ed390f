import {spawn} from 'node:child_process';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {ARMED} from './measureNoStarvation.ts';
import type {Metrics, SystemName} from './types.ts';

/** No child should take this long; past it the child is killed and reported as failed. */
const CHILD_TIMEOUT_MS = 60_000;

/**
 * The child as built by `npm run bench` (tsc first): JavaScript, importing the built package as its
 * users do. Running the .ts source would load Node's type stripper, ~30 MB of RSS in every child.
 */
const CHILD_PATH = join(import.meta.dirname, '../../dist/bench/core/child.js');

export type ChildConfiguration = {
  /** Kill the child this long after it reports its timer armed (it is starved if it has not answered). */
  readonly deadlineAfterArmedMs?: number;
  readonly scenarioName: string;
  readonly system: SystemName;
};

export type ChildOutcome =
  | {readonly metrics: Metrics; readonly status: 'REPORTED'}
  | {readonly status: 'KILLED_AT_DEADLINE'}
  | {readonly reason: string; readonly status: 'FAILED'};

/**
 * Runs `child.ts` in a fresh Node process and merges its JSON lines (metrics, then `terminateMs`).
 * A child that measured but never finished `terminate()` is reported with `terminateMs: null` and
 * its exit code.
 */
export const runChild = async (configuration: ChildConfiguration): Promise<ChildOutcome> => {
  const {deadlineAfterArmedMs, scenarioName, system} = configuration;
  // Roarr logs would land on stdout, between the JSON lines.
  const {ROARR_LOG: _ignored, ...environment} = process.env;
  const child = spawn(process.execPath, [CHILD_PATH, scenarioName, system], {
    env: environment,
    stdio: ['ignore', 'pipe', 'inherit'],
  });

  const lines: Metrics[] = [];
  let killedAtDeadline = false;
  let timedOut = false;

  const timeout = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, CHILD_TIMEOUT_MS);
  let deadline: NodeJS.Timeout | undefined;

  createInterface({input: child.stdout}).on('line', (line) => {
    if (line === ARMED) {
      if (deadlineAfterArmedMs !== undefined) {
        deadline = setTimeout(() => {
          if (lines.length === 0) {
            killedAtDeadline = true;
            child.kill('SIGKILL');
          }
        }, deadlineAfterArmedMs);
      }

      return;
    }

    try {
      lines.push(JSON.parse(line) as Metrics);
    } catch {
      process.stderr.write(`${system} ${scenarioName}: ${line}\n`);
    }
  });

  const exitCode = await new Promise<number | null>((resolve) => {
    child.on('close', resolve);
  });

  clearTimeout(timeout);
  clearTimeout(deadline);

  if (lines.length > 0) {
    const merged = Object.assign({}, ...lines) as Metrics;
    const metrics = {...merged, terminateMs: merged.terminateMs ?? null};

    return {metrics: exitCode === 0 ? metrics : {...metrics, exitCode}, status: 'REPORTED'};
  }

  if (killedAtDeadline) {
    return {status: 'KILLED_AT_DEADLINE'};
  }

  return {reason: timedOut ? `no answer within ${CHILD_TIMEOUT_MS} ms` : `exited with code ${String(exitCode)} without a result`, status: 'FAILED'};
};
