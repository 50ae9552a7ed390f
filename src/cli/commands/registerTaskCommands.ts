import type {Command} from 'commander';
import type {Output} from '../createOutput.ts';
import {formatJobSummary, formatSchedule, formatTime, formatDuration, type TaskView} from '../formatValues.ts';
import {addClientOptions, type ClientOptions, connect} from './addClientOptions.ts';

const taskPath = (name: string) => `/v1/tasks/${encodeURIComponent(name)}`;

const formatPaused = (task: TaskView) => task.paused === undefined ? '-' : task.paused ? 'yes' : 'no';

const printTask = (output: Output, task: TaskView) => {
  output.record([
    ['name', task.name],
    ['schedule', formatSchedule(task.schedule)],
    ['paused', formatPaused(task)],
    ['timeout', formatDuration(task.timeout)],
    ['concurrency', String(task.concurrency)],
    ['misfire', task.misfire],
    ['payload', JSON.stringify(task.payload)],
    ['next run', formatTime(task.nextRunAt)],
    ['next job', task.nextJob === null ? '-' : `#${task.nextJob.id} ${formatTime(task.nextJob.date)}`],
    ['last job', formatJobSummary(task.lastJob)],
    ['last success', formatJobSummary(task.lastSuccess)],
    ['last failure', formatJobSummary(task.lastFailure)],
  ]);
};

/** `planton tasks list|get|pause|resume|trigger`. */
export const registerTaskCommands = (program: Command, output: Output): void => {
  const tasks = program.command('tasks').description('list, inspect, pause, resume and trigger tasks on a server');

  addClientOptions(tasks.command('list').description('list the tasks: schedule, next run, last job, success and failure'))
    .action(async (options: ClientOptions) => {
      const body = await connect(options).request<{readonly tasks: readonly TaskView[]}>({method: 'GET', path: '/v1/tasks'});

      if (options.json) {
        output.json(body);

        return;
      }

      output.table(
        ['NAME', 'SCHEDULE', 'PAUSED', 'NEXT RUN', 'LAST JOB', 'LAST FAILURE'],
        body.tasks.map((task) => [task.name, formatSchedule(task.schedule), formatPaused(task), formatTime(task.nextRunAt), formatJobSummary(task.lastJob), formatJobSummary(task.lastFailure)]),
        'No tasks.',
      );
    });

  addClientOptions(tasks.command('get').argument('<name>', 'the task\'s name').description('show a task'))
    .action(async (name: string, options: ClientOptions) => {
      const task = await connect(options).request<TaskView>({method: 'GET', path: taskPath(name)});

      if (options.json) {
        output.json(task);
      } else {
        printTask(output, task);
      }
    });

  for (const [action, description, done] of [
    ['pause', 'pause a task in every instance: no new jobs for its slots, none of its jobs starts (running ones go on)', 'paused'],
    ['resume', 'resume a paused task: slots missed meanwhile follow its misfire policy', 'resumed'],
  ] as const) {
    addClientOptions(tasks.command(action).argument('<name>', 'the task\'s name').description(description))
      .action(async (name: string, options: ClientOptions) => {
        const task = await connect(options).request<TaskView>({method: 'POST', path: `${taskPath(name)}/${action}`});

        if (options.json) {
          output.json(task);
        } else {
          output.line(`${output.style('green', done)} task ${task.name}; next run ${formatTime(task.nextRunAt)}`);
        }
      });
  }

  addClientOptions(tasks.command('trigger').argument('<name>', 'the task\'s name').description('run a round of the dispatcher now: due slots get their jobs, due jobs start'))
    .action(async (name: string, options: ClientOptions) => {
      const body = await connect(options).request<{readonly taskName: string}>({method: 'POST', path: `${taskPath(name)}/trigger`});

      if (options.json) {
        output.json(body);
      } else {
        output.line(`${output.style('green', 'triggered')} task ${body.taskName}`);
      }
    });
};
