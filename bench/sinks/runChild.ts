import {join} from 'node:path';
import {runChildProcess} from '../runChildProcess.ts';
import {settings} from './settings.ts';
import type {Metrics} from './types.ts';

/** The child as built by `npm run bench` (tsc first): JavaScript, importing the built modules as users do. */
const CHILD_PATH = join(import.meta.dirname, '../../dist/bench/sinks/child.js');

/** Runs one measurement in a fresh Node process; its last stdout line is the metrics object. */
export const runChild = async (system: string): Promise<Metrics> => {
  return await runChildProcess(CHILD_PATH, [system], settings.childTimeoutMs) as Metrics;
};
