import type {ComponentChildren} from 'preact';
import {useEffect, useState} from 'preact/hooks';
import {request} from './api.ts';
import {formatAge, formatDate, formatJson} from './format.ts';
import {JobTimeline} from './JobTimeline.tsx';
import type {Job, Role} from './types.ts';
import {useAction} from './useAction.ts';
import {useLogStream} from './useLogStream.ts';
import {usePolling} from './usePolling.ts';
import {useTick} from './useTick.ts';

/** Milliseconds between two reads of the job while its stream does not follow it (down, or the job has ended). */
const REFRESH_INTERVAL = 3000;

const Field = ({label, value}: {readonly label: string; readonly value: ComponentChildren}) => (
  <><dt>{label}</dt><dd>{value}</dd></>
);

const When = ({iso, now}: {readonly iso: string | null; readonly now: number}) => {
  return iso === null ? <span class="muted">–</span> : <time dateTime={iso}>{formatDate(iso)} <span class="muted">({formatAge(iso, now)})</span></time>;
};

const Actions = ({job, onDone}: {readonly job: Job; readonly onDone: () => void}) => {
  const {busy, failure, run} = useAction(onDone);
  const act = (action: 'cancel' | 'retry') => {
    run(async () => await request<Job>('POST', `/v1/jobs/${job.id}/${action}`));
  };

  return (
    <div class="actions">
      {job.state === 'ERROR' || job.state === 'CANCELED' ? <button disabled={busy} onClick={() => act('retry')} type="button">Retry</button> : null}
      {job.state === 'SCHEDULED' || job.state === 'WAITING' ? <button class="danger" disabled={busy} onClick={() => act('cancel')} type="button">Cancel</button> : null}
      {job.state === 'RUNNING' || job.state === 'DONE' ? null : (
        <form class="reschedule" onSubmit={(event) => {
          event.preventDefault();

          const value = ((event.currentTarget as HTMLFormElement).elements.namedItem('runAt') as HTMLInputElement).value;

          // A datetime-local value is the viewer's local time; the API takes an instant.
          run(async () => await request<Job>('POST', `/v1/jobs/${job.id}/reschedule`, {runAt: new Date(value).toISOString()}));
        }}>
          <label for="run-at">Run at</label>
          <input id="run-at" name="runAt" required step={60} type="datetime-local" />
          <button disabled={busy} type="submit">Reschedule</button>
        </form>
      )}
      {failure === null ? null : <p class="failure" role="alert">{failure}</p>}
    </div>
  );
};

/** One job: its state and times, payload, error (code and stack), and its log as it is written. */
export const JobPage = ({id, role}: {readonly id: number; readonly role: Role}) => {
  const [streamKey, setStreamKey] = useState(0);
  // The stream pushes the job's changes while it runs; the page polls only when it does not.
  const stream = useLogStream(id, streamKey);
  const polled = usePolling(async () => await request<Job>('GET', `/v1/jobs/${id}`), REFRESH_INTERVAL, `job-${id}-${streamKey}`, stream.status === 'down' || stream.status === 'ended');
  const [job, setJob] = useState<Job | null>(null);
  const {entries} = stream;
  const now = Date.now();

  // The ages (`8 s ago`) move on while the stream sends no change.
  useTick(REFRESH_INTERVAL);

  // Whichever came last: the stream's job or the polled one.
  useEffect(() => {
    if (stream.job !== null) {
      setJob(stream.job);
    }
  }, [stream.job]);
  useEffect(() => {
    if (polled.data !== null) {
      setJob(polled.data);
    }
  }, [polled.data]);

  if (job === null) {
    return polled.error === null ? <p aria-busy="true">Loading…</p> : <p role="alert">Could not load job {id}: {polled.error.message}</p>;
  }

  const last = [...entries].reverse().find((entry) => entry.progress !== null);
  const progress = job.state === 'RUNNING' ? last?.progress ?? job.progress : job.progress;

  return (
    <article aria-labelledby="job-heading">
      <h2 id="job-heading">Job #{job.id} <span class={`state state-${job.state.toLowerCase()}`} data-state={job.state}>{job.state}</span></h2>
      <p><a href="#/">← Overview</a> · <a href={`#/tasks/${encodeURIComponent(job.taskName)}`}>Task {job.taskName}</a></p>
      {role === 'admin' ? <Actions job={job} onDone={() => {
        setStreamKey((key) => key + 1);
      }} /> : null}
      <dl class="fields">
        <Field label="Task" value={job.taskName} />
        <Field label="Kind" value={job.kind === 'SLOT' ? 'scheduled slot' : 'one-off'} />
        <Field label="Attempts" value={String(job.attempt)} />
        <Field label="Scheduled for" value={<When iso={job.scheduledFor} now={now} />} />
        <Field label="Runs at" value={<When iso={job.runAt} now={now} />} />
        <Field label="Started" value={<When iso={job.startedAt} now={now} />} />
        <Field label="Ended" value={<When iso={job.endedAt} now={now} />} />
        <Field label="Progress" value={progress === null ? '–' : <><progress max={1} value={progress} /> {Math.round(progress * 100)}%{job.step === null ? '' : ` ${job.step}`}</>} />
        <Field label="Worker" value={job.worker ?? '–'} />
      </dl>
      <JobTimeline entries={entries} job={job} now={now} />
      <h3>Payload</h3>
      <pre class="payload">{formatJson(job.payload)}</pre>
      {job.state === 'DONE' ? (
        <>
          <h3>Result</h3>
          <pre class="payload result">{formatJson(job.result)}</pre>
        </>
      ) : null}
      {job.error === null ? null : (
        <section class="error" aria-labelledby="error-heading">
          <h3 id="error-heading">Error</h3>
          <p><code class="error-code">{job.error.code ?? job.error.name ?? 'Error'}</code> {job.error.message}</p>
          {job.error.stack === undefined ? null : <pre class="stack">{job.error.stack}</pre>}
        </section>
      )}
      <h3>Log</h3>
      {entries.length === 0 ? <p class="muted">No log yet.</p> : (
        <ol class="log" aria-live="polite">
          {entries.map((entry, index) => (
            <li key={index}>
              <time dateTime={entry.date}>{new Date(entry.date).toLocaleTimeString()}</time> <span class="muted">#{entry.attempt}</span>
              {entry.progress === null ? null : <span> {Math.round(entry.progress * 100)}%</span>}
              {entry.step === null ? null : <span class="muted"> {entry.step}</span>}
              {entry.message === null ? null : <span> {entry.message}</span>}
            </li>
          ))}
        </ol>
      )}
    </article>
  );
};
