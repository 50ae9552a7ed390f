import {type ChildProcessByStdio, spawn} from 'node:child_process';
import {join} from 'node:path';
import type {Readable, Writable} from 'node:stream';

const WORKER_PATH = join(import.meta.dirname, 'workerChild.ts');

/** How long a worker process may take to start and connect (Node and the TypeScript sources load under load). */
const CONNECT_TIMEOUT_MS = 60_000;

/** How long `stop` waits for the workers to close before it kills them. */
const STOP_TIMEOUT_MS = 5_000;

export type WorkerProcesses = {
  /** Tells every worker to offer its task (each then registers its processor with the server). */
  readonly go: () => void;
  /**
   * Closes the workers (stdin ended: each says bye and exits), and kills those still running after 5 s.
   * Resolves with their CPU time (user + system, microseconds) since `go`, summed. Safe to call twice.
   */
  readonly stop: () => Promise<number>;
};

type WorkerChild = ChildProcessByStdio<Writable, Readable, Readable>;

const exited = (child: WorkerChild) => child.exitCode !== null || child.signalCode !== null;

const waitForExit = async (child: WorkerChild, timeout: number): Promise<void> => {
  if (exited(child)) {
    return;
  }

  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeout);

    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
};

/**
 * Starts `count` worker processes (bench/server/workerChild.ts) against `url` and resolves once each
 * has connected; `stop` (called in the caller's `finally`) ends them. A worker that exits or does not
 * connect in time rejects, after the others are stopped.
 */
export const spawnWorkers = async ({concurrency, count, task, url}: {readonly concurrency: number; readonly count: number; readonly task: string; readonly url: string}): Promise<WorkerProcesses> => {
  // Roarr logs would land on stdout, between the lines read here.
  const {ROARR_LOG: _ignored, ...environment} = process.env;
  const children: WorkerChild[] = Array.from({length: count}, () => spawn(process.execPath, [WORKER_PATH, url, task, String(concurrency)], {env: environment, stdio: ['pipe', 'pipe', 'pipe']}));
  let stopping: Promise<number> | null = null;
  let cpu = 0;

  const stop = async () => {
    stopping ??= (async () => {
      for (const child of children) {
        child.stdin.end();
      }

      await Promise.all(children.map(async (child) => {
        await waitForExit(child, STOP_TIMEOUT_MS);

        if (!exited(child)) {
          child.kill('SIGKILL');
          await waitForExit(child, STOP_TIMEOUT_MS);
        }
      }));

      return cpu;
    })();

    return await stopping;
  };

  try {
    await Promise.all(children.map(async (child) => {
      let stderr = '';

      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-2_000);
      });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`a worker process did not connect within ${CONNECT_TIMEOUT_MS} ms: ${stderr.trim()}`));
        }, CONNECT_TIMEOUT_MS);

        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (chunk: string) => {
          if (chunk.includes('connected')) {
            clearTimeout(timer);
            resolve();
          }

          cpu += Number(/cpu (?<micros>\d+)/u.exec(chunk)?.groups?.micros ?? 0);
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`a worker process exited (${String(code)}) before it connected: ${stderr.trim()}`));
        });
      });
    }));
  } catch (error) {
    await stop();

    throw error;
  }

  return {
    go: () => {
      for (const child of children) {
        child.stdin.write('go\n');
      }
    },
    stop,
  };
};
