/**
 * One remote worker process: `node bench/server/workerChild.ts URL TASK CONCURRENCY` connects with
 * `connectWorker` (the worker token) and prints `connected` once greeted. It offers no task until a
 * `go` line arrives on stdin, so that every worker of a measurement starts at the same moment; then
 * its processor completes each job at once, with `{due: job.scheduledFor, startedAt: Date.now()}` as
 * the result (the handler's start against the due time, read from the `succeeded` event on the server side). When stdin
 * closes (the parent is done, or died) it prints `cpu MICROSECONDS` (its CPU time since `go`), closes
 * the worker and exits.
 */
import {connectWorker} from '../../src/client/index.ts';
import {WORKER_TOKEN} from './settings.ts';

const [url = '', task = '', concurrency = '1'] = process.argv.slice(2);

const worker = connectWorker({concurrency: Number(concurrency), name: `bench-${process.pid}`, token: WORKER_TOKEN, url});

worker.events.on('connect', () => {
  process.stdout.write('connected\n');
});
worker.events.on('error', ({error}) => {
  process.stderr.write(`worker error: ${(error as {readonly code?: string}).code ?? error.name}: ${error.message}\n`);
});

/** CPU time (user + system) at `go`: what the worker spends from then on is reported at the end. */
let cpuAtGo: NodeJS.CpuUsage | null = null;

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (chunk.includes('go')) {
    cpuAtGo = process.cpuUsage();
    worker.addProcessor(task, (job) => ({due: job.scheduledFor.getTime(), startedAt: Date.now()}));
  }
});
process.stdin.on('end', () => {
  if (cpuAtGo !== null) {
    const {system, user} = process.cpuUsage(cpuAtGo);

    process.stdout.write(`cpu ${user + system}\n`);
  }

  void worker.close().finally(() => {
    process.exit(0);
  });
});
