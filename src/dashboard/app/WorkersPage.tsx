import {Fragment} from 'preact';
import {request} from './api.ts';
import {formatAge, formatDate} from './format.ts';
import type {Worker} from './types.ts';
import {usePolling} from './usePolling.ts';

/** Milliseconds between two refreshes of the page (one request each: `GET /v1/workers`). */
const REFRESH_INTERVAL = 3000;

const Age = ({iso, now}: {readonly iso: string; readonly now: number}) => (
  <time dateTime={iso} title={formatDate(iso)}>{formatAge(iso, now)}</time>
);

const WorkerRow = ({now, worker}: {readonly now: number; readonly worker: Worker}) => (
  <tr data-client={worker.clientId} data-worker={worker.name}>
    <th scope="row">{worker.name === '' ? <span class="muted">(no name)</span> : worker.name}{worker.connected ? null : <span class="badge">away</span>}</th>
    <td><code>{worker.clientId}</code></td>
    <td>{worker.tokenName}</td>
    <td><Age iso={worker.connectedAt} now={now} /> <span class="muted">{formatDate(worker.connectedAt)}</span></td>
    <td>{worker.tasks.length === 0 ? <span class="muted">none</span> : worker.tasks.map((task, index) => (
      <Fragment key={task}>{index === 0 ? null : ', '}<a href={`#/tasks/${encodeURIComponent(task)}`}>{task}</a></Fragment>
    ))}</td>
    <td class="load">
      <meter aria-label={`Load of ${worker.name}`} max={worker.concurrency} min={0} value={worker.load} /> {worker.load} / {worker.concurrency}
    </td>
    <td>{worker.jobs.length === 0 ? <span class="muted">none</span> : (
      <ul class="held-jobs">
        {worker.jobs.map(({attempt, jobId, taskName}) => (
          <li key={`${jobId}:${attempt}`}><a href={`#/jobs/${jobId}`}>#{jobId}</a> <span class="muted">{taskName}, attempt {attempt}</span></li>
        ))}
      </ul>
    )}</td>
    <td class="last-seen"><Age iso={worker.lastSeenAt} now={now} /></td>
  </tr>
);

const HEADERS = ['Worker', 'Client id', 'Token', 'Connected since', 'Tasks', 'Load', 'Jobs in hand', 'Last heartbeat'];

const WorkerTable = ({now, workers}: {readonly now: number; readonly workers: readonly Worker[]}) => (
  <table>
    <thead><tr>{HEADERS.map((header) => <th key={header} scope="col">{header}</th>)}</tr></thead>
    <tbody>{workers.map((worker) => <WorkerRow key={`${worker.tokenName}:${worker.clientId}`} now={now} worker={worker} />)}</tbody>
  </table>
);

/**
 * The remote workers the server's hub holds: those connected, and those away (disconnected, their
 * jobs kept until their lease ends), with their tasks, load, jobs in hand and last heartbeat.
 */
export const WorkersPage = () => {
  const {data, error} = usePolling(async () => await request<{workers: Worker[]}>('GET', '/v1/workers'), REFRESH_INTERVAL, 'workers');
  const now = Date.now();

  if (data === null) {
    return error === null ? <p aria-busy="true">Loading…</p> : <p role="alert">Could not load the workers: {error.message}</p>;
  }

  const connected = data.workers.filter((worker) => worker.connected);
  const away = data.workers.filter((worker) => !worker.connected);

  return (
    <article aria-labelledby="workers-heading">
      <h2 id="workers-heading">Workers</h2>
      <p><a href="#/">← Overview</a></p>
      {error === null ? null : <p class="stale" role="status">Not refreshed: {error.message}</p>}
      <section aria-labelledby="connected-heading">
        <h3 id="connected-heading">Connected</h3>
        {connected.length === 0 ? <p class="muted">No remote worker is connected.</p> : <WorkerTable now={now} workers={connected} />}
      </section>
      <section aria-labelledby="away-heading">
        <h3 id="away-heading">Away</h3>
        <p class="muted">Disconnected, and kept with their jobs until their lease ends (then forgotten: their jobs fail with <code>WORKER_LOST</code> and are retried as their task says).</p>
        {away.length === 0 ? <p class="muted">None.</p> : <WorkerTable now={now} workers={away} />}
      </section>
    </article>
  );
};
