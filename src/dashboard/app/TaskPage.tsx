import {useState} from 'preact/hooks';
import {request} from './api.ts';
import {describeSchedule, formatAge, formatDate, formatError, scheduleTimezone, viewerTimeZone} from './format.ts';
import {OutcomeChart} from './OutcomeChart.tsx';
import {RefreshIndicator} from './RefreshIndicator.tsx';
import {resolveTimeRange} from './timeRange.ts';
import {TimeRangeFilter, timeRangeKey, useTimeRange} from './TimeRangeFilter.tsx';
import type {Job, JobState, Role, Task} from './types.ts';
import {useAction} from './useAction.ts';
import {TASK_POLL_INTERVAL, useLiveTask} from './useLiveTask.ts';

const STATES: readonly JobState[] = ['SCHEDULED', 'WAITING', 'RUNNING', 'DONE', 'ERROR', 'CANCELED'];

type TaskView = {readonly jobs: readonly Job[]; readonly nextCursor: string | null; readonly task: Task};

const Actions = ({onDone, task}: {readonly onDone: () => void; readonly task: Task}) => {
  const {busy, failure, run} = useAction(onDone);
  const path = `/v1/tasks/${encodeURIComponent(task.name)}`;

  return (
    <div class="actions">
      <button disabled={busy} onClick={() => run(async () => await request('POST', `${path}/jobs`, {}))} type="button">Run now</button>
      {task.paused ?
        <button disabled={busy} onClick={() => run(async () => await request('POST', `${path}/resume`))} type="button">Resume</button> :
        <button class="danger" disabled={busy} onClick={() => run(async () => await request('POST', `${path}/pause`))} type="button">Pause</button>}
      {failure === null ? null : <p class="failure" role="alert">{failure}</p>}
    </div>
  );
};

/** A task: its schedule and state, its jobs newest first (filtered by state, a page at a time), and, for admins, Run now and Pause or Resume; kept fresh by `useLiveTask`. */
export const TaskPage = ({name, role}: {readonly name: string; readonly role: Role}) => {
  const [state, setState] = useState<JobState | ''>('');
  const [range, setRange] = useTimeRange();
  // The cursors of the pages shown so far: the last is the current page's (`null`: the newest).
  const [cursors, setCursors] = useState<ReadonlyArray<string | null>>([null]);
  const after = cursors.at(-1) ?? null;
  const polled = useLiveTask({load: async (): Promise<TaskView> => {
    const query = new URLSearchParams({limit: '25', taskName: name});
    const {from, to} = resolveTimeRange(range, Date.now());

    if (from !== null) {
      query.set('from', from);
    }

    if (to !== null) {
      query.set('to', to);
    }

    if (state !== '') {
      query.set('states', state);
    }

    if (after !== null) {
      query.set('after', after);
    }

    const path = `/v1/tasks/${encodeURIComponent(name)}`;
    const [task, page] = await Promise.all([request<Task>('GET', path), request<{jobs: Job[]; nextCursor: string | null}>('GET', `/v1/jobs?${query.toString()}`)]);

    return {...page, task};
  }, name, viewKey: `${state}|${after ?? ''}|${timeRangeKey(range)}`});
  const now = Date.now();

  if (polled.data === null) {
    return polled.error === null ? <p aria-busy="true">Loading…</p> : <p role="alert">Could not load task {name}: {polled.error.message}</p>;
  }

  const {jobs, nextCursor, task} = polled.data;
  const timezone = scheduleTimezone(task.schedule);
  // The task's timezone beside the viewer's times, when they differ.
  const otherTimezone = timezone === viewerTimeZone() ? null : timezone;

  return (
    <article aria-labelledby="task-heading">
      <RefreshIndicator interval={TASK_POLL_INTERVAL} mode={polled.mode} />
      {polled.error === null ? null : <p class="stale" role="status">Not refreshed: {polled.error.message}</p>}
      <h2 id="task-heading">{task.name}{task.paused ? <span class="badge paused">paused</span> : null}</h2>
      <p><a href="#/">← Overview</a></p>
      {role === 'admin' ? <Actions onDone={polled.reload} task={task} /> : null}
      <dl class="fields">
        <dt>Schedule</dt><dd>{describeSchedule(task.schedule)}{timezone === null ? null : <span class="muted"> ({timezone})</span>}</dd>
        <dt>Next run</dt><dd>{task.nextRunAt === null ? '–' : `${formatDate(task.nextRunAt)} (${formatAge(task.nextRunAt, now)})`}</dd>
      </dl>
      <OutcomeChart name={task.name} />
      <h3>Jobs</h3>
      <label for="state-filter">State </label>
      <select id="state-filter" onChange={(event) => {
        setState((event.currentTarget as HTMLSelectElement).value as JobState | '');
        setCursors([null]);
      }} value={state}>
        <option value="">all</option>
        {STATES.map((option) => <option key={option} value={option}>{option}</option>)}
      </select>
      <TimeRangeFilter onChange={(next) => {
        setRange(next);
        setCursors([null]);
      }} range={range} taskTimeZone={timezone} />
      {jobs.length === 0 ? <p class="muted">No job.</p> : (
        <table>
          <thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Scheduled for</th><th scope="col">Attempts</th><th scope="col">Error</th></tr></thead>
          <tbody>
            {jobs.map((job) => (
              <tr data-job={job.id} key={job.id}>
                <th scope="row"><a href={`#/jobs/${job.id}`}>#{job.id}</a></th>
                <td><span class={`state state-${job.state.toLowerCase()}`}>{job.state}</span></td>
                <td><time dateTime={job.scheduledFor} title={formatAge(job.scheduledFor, now)}>{formatDate(job.scheduledFor)}</time>{otherTimezone === null ? null : <span class="muted"> ({formatDate(job.scheduledFor, otherTimezone)} {otherTimezone})</span>}</td>
                <td>{job.attempt}</td>
                <td class="error-code">{formatError(job.error)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="actions" aria-label="Pages of jobs">
        {cursors.length > 1 ? <button class="link" onClick={() => setCursors([null])} type="button">Newest</button> : null}
        {nextCursor === null ? null : <button class="link" onClick={() => setCursors([...cursors, nextCursor])} type="button">Older</button>}
      </nav>
    </article>
  );
};
