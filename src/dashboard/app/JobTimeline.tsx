import type {ComponentChildren} from 'preact';
import {formatAge, formatDate} from './format.ts';
import type {Job, JobError, LogEntry} from './types.ts';

type Moment = {
  readonly detail: ComponentChildren;
  /** `data-event` of the item, for tests and styles: `created`, `attempt-2`, `ended`, … */
  readonly event: string;
  readonly iso: string | null;
  readonly label: string;
  readonly tone: 'failure' | 'neutral' | 'success';
};

const code = (error: JobError | null) => error === null ? null : <code class="error-code">{error.code ?? error.name ?? 'Error'}</code>;

/** The first and last dates of each attempt's log entries: what the store keeps of attempts before the last. */
const logSpans = (entries: readonly LogEntry[]) => {
  const spans = new Map<number, {first: string; last: string}>();

  for (const {attempt, date} of entries) {
    const span = spans.get(attempt);

    spans.set(attempt, {first: span?.first ?? date, last: date});
  }

  return spans;
};

/**
 * The moments of a job, oldest first, from what the store keeps: its creation and slot, each attempt
 * (the last one's start and outcome; an earlier one's log dates, and the last failure's code), the next
 * attempt's time, and its end. A store keeps one error (the last failure) and the last attempt's start.
 */
export const buildTimeline = (job: Job, entries: readonly LogEntry[]): readonly Moment[] => {
  const moments: Moment[] = [
    {detail: job.kind === 'SLOT' ? 'by its schedule' : 'one-off', event: 'created', iso: job.createdAt, label: 'Created', tone: 'neutral'},
    {detail: null, event: 'scheduled', iso: job.scheduledFor, label: 'Scheduled for', tone: 'neutral'},
  ];
  const spans = logSpans(entries);
  const noProcessor = job.error?.code === 'NO_PROCESSOR';
  // The stored error is the last failure: the last attempt's unless a later one started (RUNNING, DONE).
  const failedAttempt = job.error === null || noProcessor ? null : job.state === 'RUNNING' || job.state === 'DONE' ? job.attempt - 1 : job.attempt;

  for (let attempt = 1; attempt <= job.attempt; attempt++) {
    const span = spans.get(attempt);
    const isLast = attempt === job.attempt;
    const started = isLast && job.startedAt !== null;
    // An attempt whose start is not kept is placed at its first log line: its last one is said apart.
    const logged = span === undefined ? null : started ?
      <span class="muted"> logged {formatDate(span.first)}{span.last === span.first ? '' : ` – ${formatDate(span.last)}`}</span> :
      span.last === span.first ? <span class="muted"> (first log line)</span> : <span class="muted"> (first log line; last {formatDate(span.last)})</span>;
    const failed = attempt === failedAttempt;
    const retried = attempt > 1 && isLast ? ' (retry)' : '';

    if (started) {
      moments.push({detail: <>{failed ? <>failed with {code(job.error)} {job.error?.message}</> : job.state === 'RUNNING' ? 'running' : null}{logged}</>, event: `attempt-${attempt}`, iso: job.startedAt, label: `Attempt ${attempt} started${retried}`, tone: failed ? 'failure' : 'neutral'});
    } else {
      moments.push({detail: <>{failed ? <>failed with {code(job.error)} {job.error?.message}</> : attempt < job.attempt ? <span class="muted">failed or lost (its error is not kept)</span> : null}{logged}</>, event: `attempt-${attempt}`, iso: span?.first ?? null, label: `Attempt ${attempt}${retried}`, tone: failed || attempt < job.attempt ? 'failure' : 'neutral'});
    }
  }

  if (noProcessor) {
    moments.push({detail: <>{code(job.error)} {job.error?.message}</>, event: 'no-processor', iso: null, label: `No processor (due ${job.noProcessorCount} times)`, tone: 'failure'});
  }

  if (job.state === 'SCHEDULED' || job.state === 'WAITING') {
    moments.push({detail: null, event: 'next', iso: job.runAt, label: job.attempt === 0 ? 'First attempt at' : `Retry (attempt ${job.attempt + 1}) at`, tone: 'neutral'});
  }

  if (job.endedAt !== null) {
    const tone = job.state === 'DONE' ? 'success' : job.state === 'ERROR' ? 'failure' : 'neutral';

    moments.push({detail: <span class={`state state-${job.state.toLowerCase()}`}>{job.state}</span>, event: 'ended', iso: job.endedAt, label: job.state === 'DONE' ? 'Succeeded' : job.state === 'ERROR' ? 'Failed for good' : 'Ended', tone});
  }

  return moments;
};

/** A job's status timeline, oldest first: times in the viewer's timezone with their age. */
export const JobTimeline = ({entries, job, now}: {readonly entries: readonly LogEntry[]; readonly job: Job; readonly now: number}) => (
  <section aria-labelledby="timeline-heading">
    <h3 id="timeline-heading">Timeline</h3>
    <ol class="timeline">
      {buildTimeline(job, entries).map((moment) => (
        <li class={`tone-${moment.tone}`} data-event={moment.event} key={moment.event}>
          <span class="moment-label">{moment.label}</span>{' '}
          {moment.iso === null ? <span class="muted">time not kept</span> : <time dateTime={moment.iso}>{formatDate(moment.iso)} <span class="muted">({formatAge(moment.iso, now)})</span></time>}
          {moment.detail === null ? null : <> {moment.detail}</>}
        </li>
      ))}
    </ol>
  </section>
);
