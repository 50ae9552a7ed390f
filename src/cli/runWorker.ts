import {connectWorker} from '../client/connectWorker.ts';
import type {Output} from './createOutput.ts';
import {loadProcessors} from './loadProcessors.ts';
import {waitForShutdownSignal} from './waitForShutdownSignal.ts';

export type WorkerCommandConfiguration = {
  /** How many jobs it runs at once, across its tasks. */
  readonly concurrency: number;
  /** The module whose default export maps task names to processors (resolved from the working directory). */
  readonly modulePath: string;
  /** Shown by `planton workers list`; connectWorker's default (`host:pid`) when not given. */
  readonly name?: string;
  readonly output: Output;
  /**
   * Milliseconds the shutdown after SIGINT/SIGTERM may take before the process exits anyway (code 1).
   * @default 15000
   */
  readonly shutdownTimeout?: number;
  /** A token of role `worker` (or `admin`). */
  readonly token?: string;
  /** The server's base URL (`http://127.0.0.1:2718`); the worker connects to its `/v1/workers`. */
  readonly url: string;
};

/** The workers' WebSocket endpoint of a server's base URL. */
const toWorkerUrl = (url: string): string => `${url.replace(/\/+$/u, '')}/v1/workers`;

/**
 * `planton worker <module>`: loads the module's processors, connects them to the server with
 * `connectWorker` (reconnecting with backoff while it is unreachable), prints each connection and
 * error, and on SIGINT or SIGTERM closes the worker (running jobs get its close timeout, 5 s).
 * Resolves once closed.
 */
export const runWorker = async (configuration: WorkerCommandConfiguration): Promise<void> => {
  const {concurrency, modulePath, name, output, shutdownTimeout = 15_000, token, url} = configuration;
  const processors = await loadProcessors(modulePath);
  const target = toWorkerUrl(url);
  const worker = connectWorker({concurrency, url: target, ...name === undefined ? {} : {name}, ...token === undefined || token === '' ? {} : {token}});
  const tasks = [...processors.keys()].join(', ');

  for (const [taskName, processor] of processors) {
    worker.processor(taskName, processor);
  }

  worker.events.on('connect', ({resumed}) => {
    output.line(`planton worker: ${resumed ? 'reconnected' : 'connected'} to ${target}; tasks ${tasks}; concurrency ${concurrency}`);
  });
  let closing = false;

  worker.events.on('disconnect', ({code}) => {
    if (closing) {
      return;
    }

    output.note(`planton worker: disconnected (${code}); connecting again`);
  });
  worker.events.on('error', ({error}) => {
    output.note(`error: ${(error as {code?: string}).code ?? error.name}: ${error.message}`);
  });

  const signal = await waitForShutdownSignal({command: 'planton worker', output, shutdownTimeout});

  closing = true;
  output.line(`planton worker: ${signal}, closing (running jobs may finish)`);
  await worker.close();
  output.line('planton worker: stopped');
};
