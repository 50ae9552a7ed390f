import {type Command, InvalidArgumentError, Option} from 'commander';
import type {Output} from '../createOutput.ts';
import {formatTime} from '../formatValues.ts';
import {addClientOptions, type ClientOptions, connect, DEFAULT_SERVER_URL} from './addClientOptions.ts';

/** A worker as `GET /v1/workers` lists it. */
type WorkerView = {
  readonly clientId: string;
  readonly concurrency: number;
  readonly connected: boolean;
  readonly connectedAt: string;
  readonly jobs: ReadonlyArray<{readonly attempt: number; readonly jobId: number; readonly taskName: string}>;
  readonly lastSeenAt: string;
  readonly load: number;
  readonly name: string;
  readonly tasks: readonly string[];
  readonly tokenName: string;
};

type WorkerOptions = {
  readonly concurrency: number;
  readonly name?: string;
  readonly token?: string;
  readonly url: string;
};

const parseConcurrency = (value: string): number => {
  const concurrency = Number(value);

  if (!/^\d{1,5}$/u.test(value) || concurrency < 1 || concurrency > 10_000) {
    throw new InvalidArgumentError('Expected an integer from 1 to 10000.');
  }

  return concurrency;
};

/** `planton workers list` and `planton worker <module>`. */
export const registerWorkerCommands = (program: Command, output: Output): void => {
  const workers = program.command('workers').description('list the remote workers connected to a server');

  addClientOptions(workers.command('list').description('list the connected workers: their tasks, load and last message'))
    .action(async (options: ClientOptions) => {
      const body = await connect(options).request<{readonly workers: readonly WorkerView[]}>({method: 'GET', path: '/v1/workers'});

      if (options.json) {
        output.json(body);

        return;
      }

      output.table(
        ['NAME', 'TOKEN', 'TASKS', 'LOAD', 'CONNECTED', 'LAST SEEN', 'JOBS'],
        body.workers.map((worker) => [
          worker.name,
          worker.tokenName,
          worker.tasks.join(', '),
          `${worker.load}/${worker.concurrency}`,
          worker.connected ? formatTime(worker.connectedAt) : 'away',
          formatTime(worker.lastSeenAt),
          worker.jobs.length === 0 ? '-' : worker.jobs.map(({attempt, jobId}) => `#${jobId}.${attempt}`).join(' '),
        ]),
        'No workers connected.',
      );
    });

  program.command('worker')
    .description('run the processors a module exports (`export default {taskName: async (job) => …}`) as a remote worker of a server, until SIGINT/SIGTERM')
    .argument('<module>', 'the module\'s path (ESM, .js or .ts), resolved from the working directory')
    .addOption(new Option('--url <url>', 'the server\'s base URL').env('PLANTON_URL').default(DEFAULT_SERVER_URL))
    .addOption(new Option('--token <token>', 'bearer token of role worker (or admin)').env('PLANTON_TOKEN'))
    .option('--concurrency <n>', 'how many jobs it runs at once, across its tasks', parseConcurrency, 1)
    .option('--name <name>', 'the name `workers list` shows (default host:pid)')
    .action(async (modulePath: string, options: WorkerOptions) => {
      // Loaded here: the other commands start without the client and `ws`.
      const {runWorker} = await import('../runWorker.ts');

      await runWorker({concurrency: options.concurrency, modulePath, output, token: options.token, url: options.url, ...options.name === undefined ? {} : {name: options.name}});
    });
};
