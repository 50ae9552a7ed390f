import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {openDatabase} from '../../src/cli/openDatabase.ts';
import {createPostgresSchedulerStore, createScheduler, type Scheduler, type SchedulerConfiguration} from '../../src/scheduler/index.ts';
import {createServer, type WorkerHub} from '../../src/server/index.ts';
import {BENCH_URL, TOKEN, WORKER_TOKEN} from './settings.ts';

export type BackendName = 'pglite' | 'postgres';

/** A measured server: `planton serve`'s database, scheduler and HTTP server, listening on an ephemeral loopback port. */
export type Backend = {
  /** Closes the server, the scheduler and the database (and removes PGlite's directory). */
  readonly close: () => Promise<void>;
  readonly scheduler: Scheduler;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The server's hub of remote workers. */
  readonly workerHub: WorkerHub;
  /** The workers' WebSocket endpoint. */
  readonly workerUrl: string;
};

export type BackendConfiguration = {
  readonly backend: BackendName;
  /** The PostgreSQL schema (a fresh one, dropped by the caller); unused on PGlite. */
  readonly schema: string;
  /** Scheduler options beyond `planton serve`'s (which passes none). */
  readonly scheduler?: Omit<SchedulerConfiguration, 'store'>;
};

/**
 * What `planton serve` builds (src/cli/runServe.ts): its database (a pool of 10 on the PostgreSQL
 * server, or PGlite kept in a directory, here a temporary one), the PostgreSQL scheduler store with
 * its migrations, a scheduler, and `createServer` with bearer tokens. One difference: the per-token
 * rate limit (1,200 requests a minute by default) is raised out of the way; the plugin still runs.
 */
export const openBackend = async ({backend, schema, scheduler: schedulerOptions = {}}: BackendConfiguration): Promise<Backend> => {
  const directory = backend === 'pglite' ? await mkdtemp(join(tmpdir(), 'planton-bench-server-')) : null;
  const closers: Array<() => Promise<unknown>> = [];

  if (directory !== null) {
    closers.push(async () => {
      await rm(directory, {force: true, recursive: true});
    });
  }

  const close = async () => {
    for (const closer of closers.toReversed()) {
      await closer();
    }
  };

  try {
    const database = await openDatabase({dataDirectory: directory ?? '', ...backend === 'postgres' ? {databaseUrl: BENCH_URL} : {}});

    closers.push(database.end);

    const store = await createPostgresSchedulerStore({pool: database.pool, schema: backend === 'postgres' ? schema : 'planton'});
    const scheduler = await createScheduler({...schedulerOptions, store});

    closers.push(scheduler.terminate);

    const server = createServer({
      auth: {tokens: [{name: 'bench', role: 'admin', token: TOKEN}, {name: 'bench-worker', role: 'worker', token: WORKER_TOKEN}]},
      rateLimit: {max: 1_000_000_000, timeWindow: 60_000},
      scheduler,
    });

    closers.push(server.close);

    const {url} = await server.listen({host: '127.0.0.1', port: 0});

    return {close, scheduler, url, workerHub: server.workerHub, workerUrl: `${url.replace(/^http/u, 'ws')}/v1/workers`};
  } catch (error) {
    await close();

    throw error;
  }
};
