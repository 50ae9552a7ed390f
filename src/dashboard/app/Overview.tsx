import type {ComponentChildren} from 'preact';
import {DispatchPanel} from './DispatchPanel.tsx';
import {describeSchedule, formatAge, formatDate, formatError, scheduleTimezone} from './format.ts';
import {RefreshIndicator} from './RefreshIndicator.tsx';
import {TaskStatsCell} from './TaskStatsCell.tsx';
import type {Job, JobStats, JobSummary, Task, Worker} from './types.ts';
import {POLL_INTERVAL, useLiveOverview} from './useLiveOverview.ts';

const Time = ({iso, now}: {readonly iso: string | null; readonly now: number}) => {
  return iso === null ? <span class="muted">–</span> : <time dateTime={iso} title={formatDate(iso)}>{formatAge(iso, now)}</time>;
};

const Outcome = ({now, summary}: {readonly now: number; readonly summary: JobSummary | null}) => {
  return summary === null ? <span class="muted">never</span> : <a href={`#/jobs/${summary.id}`}><Time iso={summary.date} now={now} /></a>;
};

const TaskRow = ({now, stats, task}: {readonly now: number; readonly stats: JobStats; readonly task: Task}) => {
  const timezone = scheduleTimezone(task.schedule);

  return (
    <tr data-task={task.name}>
      <th scope="row"><a href={`#/tasks/${encodeURIComponent(task.name)}`}>{task.name}</a>{task.paused ? <span class="badge paused">paused</span> : null}</th>
      <td>{describeSchedule(task.schedule)}{timezone === null ? null : <span class="muted"> ({timezone})</span>}</td>
      <td>{task.nextRunAt === null ? <span class="muted">–</span> : <><Time iso={task.nextRunAt} now={now} /> <span class="muted">{formatDate(task.nextRunAt)}</span></>}</td>
      <td class="success"><Outcome now={now} summary={task.lastSuccess} /></td>
      <td class="failure"><Outcome now={now} summary={task.lastFailure} /></td>
      <TaskStatsCell name={task.name} stats={stats} />
    </tr>
  );
};

const JobLink = ({job}: {readonly job: Job}) => <a href={`#/jobs/${job.id}`}>#{job.id}</a>;

const RunningRow = ({job, now}: {readonly job: Job; readonly now: number}) => (
  <tr data-job={job.id}>
    <th scope="row"><JobLink job={job} /></th>
    <td>{job.taskName}</td>
    <td>
      <progress aria-label={`Progress of job ${job.id}`} max={1} value={job.progress ?? undefined} />
      {job.progress === null ? null : <span> {Math.round(job.progress * 100)}%</span>}
      {job.step === null ? null : <span class="muted"> {job.step}</span>}
    </td>
    <td><Time iso={job.startedAt} now={now} /></td>
  </tr>
);

const FailureRow = ({job, now}: {readonly job: Job; readonly now: number}) => (
  <tr data-job={job.id}>
    <th scope="row"><JobLink job={job} /></th>
    <td>{job.taskName}</td>
    <td class="error-code">{formatError(job.error)}</td>
    <td><Time iso={job.endedAt} now={now} /></td>
  </tr>
);

const WorkerRow = ({now, worker}: {readonly now: number; readonly worker: Worker}) => (
  <tr data-worker={worker.name}>
    <th scope="row">{worker.name}{worker.connected ? null : <span class="badge">away</span>}</th>
    <td>{worker.tasks.join(', ')}</td>
    <td>{worker.load} / {worker.concurrency}{worker.jobs.map(({jobId}) => <a class="job-link" href={`#/jobs/${jobId}`} key={jobId}>#{jobId}</a>)}</td>
    <td><Time iso={worker.lastSeenAt} now={now} /></td>
  </tr>
);

const Section = ({children, empty, headers, title}: {readonly children: ComponentChildren[]; readonly empty: string; readonly headers: readonly string[]; readonly title: string}) => (
  <section aria-labelledby={`heading-${title}`}>
    <h2 id={`heading-${title}`}>{title}</h2>
    {children.length === 0 ?
      <p class="muted">{empty}</p> :
      <table>
        <thead><tr>{headers.map((header) => <th key={header} scope="col">{header}</th>)}</tr></thead>
        <tbody>{children}</tbody>
      </table>}
  </section>
);

/** Every task (with its last 24 hours charted), the running jobs, the latest failures and the connected workers, pushed live (or refreshed every 3 s without the stream). */
export const Overview = () => {
  const {data, error, mode} = useLiveOverview();
  const now = Date.now();

  if (data === null) {
    return error === null ? <p aria-busy="true">Loading…</p> : <p role="alert">Could not load the overview: {error.message}</p>;
  }

  return (
    <>
      <RefreshIndicator interval={POLL_INTERVAL} mode={mode} />
      {error === null ? null : <p class="stale" role="status">Not refreshed: {error.message}</p>}
      <Section empty="No task is scheduled." headers={['Task', 'Schedule', 'Next run', 'Last success', 'Last failure', 'Last 24 hours']} title="Tasks">
        {data.tasks.map((task) => <TaskRow key={task.name} now={now} stats={data.stats} task={task} />)}
      </Section>
      <Section empty="No job is running." headers={['Job', 'Task', 'Progress', 'Started']} title="Running">
        {data.running.map((job) => <RunningRow job={job} key={job.id} now={now} />)}
      </Section>
      <Section empty="No job has failed." headers={['Job', 'Task', 'Error', 'Ended']} title="Recent failures">
        {data.failures.map((job) => <FailureRow job={job} key={job.id} now={now} />)}
      </Section>
      <Section empty="No remote worker is connected." headers={['Worker', 'Tasks', 'Load and jobs', 'Last seen']} title="Workers">
        {data.workers.map((worker) => <WorkerRow key={worker.clientId} now={now} worker={worker} />)}
      </Section>
      <DispatchPanel />
    </>
  );
};
