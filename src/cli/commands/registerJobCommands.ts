import {type Command, Option} from 'commander';
import type {JobBody, JobLogEntryBody} from '../../server/schemas/jobSchemas.ts';
import {ENDED_JOB_STATES} from '../../scheduler/jobStates.ts';
import type {Output} from '../createOutput.ts';
import {formatJobError, formatLogEntry, formatProgress, formatTime} from '../formatValues.ts';
import {followJobLogs} from '../followJobLogs.ts';
import {pruneJobs} from '../pruneJobs.ts';
import {addClientOptions, type ClientOptions, connect} from './addClientOptions.ts';
import {parseJobId, parsePositiveInteger, parseStates} from './parseArguments.ts';

type ListOptions = ClientOptions & {
  readonly after?: string;
  readonly limit?: number;
  readonly state?: readonly string[];
  readonly task?: string;
};

type LogsOptions = ClientOptions & {readonly follow: boolean};

type PruneOptions = ClientOptions & {
  readonly olderThan: string;
  readonly state?: readonly string[];
  readonly task?: string;
};

const STATE_COLORS: Readonly<Record<string, 'blue' | 'cyan' | 'gray' | 'green' | 'red' | 'yellow'>> = {
  CANCELED: 'gray',
  DONE: 'green',
  ERROR: 'red',
  RUNNING: 'cyan',
  SCHEDULED: 'blue',
  WAITING: 'yellow',
};

const jobPath = (id: number) => `/v1/jobs/${id}`;

/** `planton jobs list|get|logs|cancel|retry|prune`. */
export const registerJobCommands = (program: Command, output: Output): void => {
  const jobs = program.command('jobs').description('list and inspect jobs, read their logs, cancel, retry and prune them');
  const state = (text: string) => output.style(STATE_COLORS[text] ?? 'reset', text);

  const printJob = (job: JobBody) => {
    output.record([
      ['id', String(job.id)],
      ['task', job.taskName],
      ['state', state(job.state)],
      ['attempt', String(job.attempt)],
      ['scheduled for', formatTime(job.scheduledFor)],
      ['run at', formatTime(job.runAt)],
      ['started', formatTime(job.startedAt)],
      ['ended', formatTime(job.endedAt)],
      ['progress', `${formatProgress(job.progress)}${job.step === null ? '' : ` [${job.step}]`}`],
      ['payload', JSON.stringify(job.payload)],
      ['error', formatJobError(job.error)],
      ['worker', job.worker ?? '-'],
    ]);
  };

  addClientOptions(jobs.command('list').description('list jobs, newest first, one page at a time'))
    .option('--task <name>', 'only this task\'s jobs')
    .option('--state <states>', 'only jobs in these states (comma-separated, repeatable)', parseStates())
    .option('--limit <count>', 'jobs per page (server default 50, at most 500)', parsePositiveInteger)
    .option('--after <cursor>', 'the page after this cursor (printed under the previous page)')
    .action(async (options: ListOptions) => {
      const body = await connect(options).request<{readonly jobs: readonly JobBody[]; readonly nextCursor: string | null}>({
        method: 'GET',
        path: '/v1/jobs',
        query: {after: options.after, limit: options.limit, states: options.state?.join(','), taskName: options.task},
      });

      if (options.json) {
        output.json(body);

        return;
      }

      output.table(
        ['ID', 'TASK', 'STATE', 'ATTEMPT', 'SCHEDULED FOR', 'STARTED', 'ENDED', 'PROGRESS'],
        body.jobs.map((job) => [String(job.id), job.taskName, state(job.state), String(job.attempt), formatTime(job.scheduledFor), formatTime(job.startedAt), formatTime(job.endedAt), formatProgress(job.progress)]),
        'No jobs.',
      );

      if (body.nextCursor !== null) {
        output.note(`more: --after ${body.nextCursor}`);
      }
    });

  addClientOptions(jobs.command('get').argument('<id>', 'the job\'s id', parseJobId).description('show a job: state, attempts, progress, error'))
    .action(async (id: number, options: ClientOptions) => {
      const job = await connect(options).request<JobBody>({method: 'GET', path: jobPath(id)});

      if (options.json) {
        output.json(job);
      } else {
        printJob(job);
      }
    });

  addClientOptions(jobs.command('logs').argument('<id>', 'the job\'s id', parseJobId).description('print a job\'s log lines and progress, oldest first'))
    .option('-f, --follow', 'keep printing new entries until the job ends (Server-Sent Events); with --json, one JSON object per line', false)
    .action(async (id: number, options: LogsOptions) => {
      const client = connect(options);

      if (options.follow) {
        const ended = await followJobLogs({
          client,
          jobId: id,
          onEntry: (entry) => {
            output.line(options.json ? JSON.stringify(entry) : formatLogEntry(entry));
          },
        });

        if (!options.json && ended !== null) {
          output.note(`job ${id} ended: ${ended}`);
        }

        return;
      }

      const body = await client.request<{readonly logs: readonly JobLogEntryBody[]}>({method: 'GET', path: `${jobPath(id)}/logs`});

      if (options.json) {
        output.json(body);
      } else if (body.logs.length === 0) {
        output.line('No log entries.');
      } else {
        for (const entry of body.logs) {
          output.line(formatLogEntry(entry));
        }
      }
    });

  for (const [action, description, done] of [
    ['cancel', 'cancel a SCHEDULED or WAITING job', 'canceled'],
    ['retry', 'give a job that failed for good (ERROR) or was canceled one more attempt, now', 'retried'],
  ] as const) {
    addClientOptions(jobs.command(action).argument('<id>', 'the job\'s id', parseJobId).description(description))
      .action(async (id: number, options: ClientOptions) => {
        const job = await connect(options).request<JobBody>({method: 'POST', path: `${jobPath(id)}/${action}`});

        if (options.json) {
          output.json(job);
        } else {
          output.line(`${output.style('green', done)} job ${job.id} of ${job.taskName}: now ${state(job.state)}`);
        }
      });
  }

  addClientOptions(jobs.command('prune').description('delete ended jobs (and their logs) older than a duration'))
    .addOption(new Option('--older-than <duration>', 'jobs that ended longer ago than this: 30d, 12h, 1w2d, … or an ISO 8601 date').makeOptionMandatory())
    .option('--state <states>', `only jobs in these ended states (comma-separated: ${ENDED_JOB_STATES.join(', ')}; default all)`, parseStates(ENDED_JOB_STATES))
    .option('--task <name>', 'only this task\'s jobs')
    .action(async (options: PruneOptions) => {
      const deleted = await pruneJobs({
        client: connect(options),
        olderThan: options.olderThan,
        progressStream: options.json ? undefined : output.stderr,
        states: options.state,
        taskName: options.task,
      });

      if (options.json) {
        output.json({deleted});
      } else {
        output.line(`${output.style('green', 'deleted')} ${deleted} job${deleted === 1 ? '' : 's'}`);
      }
    });
};
