import {resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import type {Processor} from '../scheduler/processorTypes.ts';
import {InvalidWorkerModuleError} from './errors.ts';

/**
 * The processors of a `planton worker` module: its default export, an object whose keys are task
 * names and whose values are processors (`(job, done?) => …`, as `worker.processor` takes them).
 * `path` is resolved from `cwd`; a `.ts` module runs through Node's type stripping.
 */
export const loadProcessors = async (path: string, cwd: string = process.cwd()): Promise<ReadonlyMap<string, Processor>> => {
  let module: {readonly default?: unknown};

  try {
    module = await import(pathToFileURL(resolve(cwd, path)).href) as {readonly default?: unknown};
  } catch (error) {
    throw new InvalidWorkerModuleError(path, `cannot be imported (${error instanceof Error ? error.message : String(error)})`, error);
  }

  const processors = module.default;

  if (typeof processors !== 'object' || processors === null || Array.isArray(processors)) {
    throw new InvalidWorkerModuleError(path, 'has no default export of task names to processors');
  }

  const entries = Object.entries(processors as Record<string, unknown>);

  if (entries.length === 0) {
    throw new InvalidWorkerModuleError(path, 'exports no processor');
  }

  for (const [taskName, processor] of entries) {
    if (typeof processor !== 'function') {
      throw new InvalidWorkerModuleError(path, `exports a ${typeof processor} for task \`${taskName}\`, not a function`);
    }
  }

  return new Map(entries as Array<[string, Processor]>);
};
