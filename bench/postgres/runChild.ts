import {join} from 'node:path';
import {runChildProcess} from '../runChildProcess.ts';
import {CHILD_TIMEOUT_MS} from './settings.ts';

const CHILD_PATH = join(import.meta.dirname, 'child.ts');

/** Runs one measurement in a fresh Node process; its last stdout line is the metrics object. */
export const runChild = async (scenario: string, system: string): Promise<Record<string, unknown>> => {
  return await runChildProcess(CHILD_PATH, [scenario, system], CHILD_TIMEOUT_MS);
};
