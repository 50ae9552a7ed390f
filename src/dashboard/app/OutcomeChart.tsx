import {useEffect, useRef} from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {request} from './api.ts';
import type {Job} from './types.ts';
import {usePolling} from './usePolling.ts';

/** The chart changes slowly: one request every 30 s (the ended jobs of the last 24 h, 500 at most). */
const REFRESH_INTERVAL = 30_000;
const DAY = 86_400_000;

type Points = {readonly failed: Array<number | null>; readonly succeeded: Array<number | null>; readonly times: number[]};

/** Each ended job as a point: x its end (seconds, as uPlot takes time), y its duration, in the series of its outcome. */
const toPoints = (jobs: readonly Job[]): Points => {
  const ended = jobs.filter((job) => job.endedAt !== null && job.startedAt !== null).sort((left, right) => Date.parse(left.endedAt ?? '') - Date.parse(right.endedAt ?? ''));
  const duration = (job: Job) => (Date.parse(job.endedAt ?? '') - Date.parse(job.startedAt ?? '')) / 1000;

  return {
    failed: ended.map((job) => job.state === 'ERROR' ? duration(job) : null),
    succeeded: ended.map((job) => job.state === 'DONE' ? duration(job) : null),
    times: ended.map((job) => Date.parse(job.endedAt ?? '') / 1000),
  };
};

const color = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

const Plot = ({points}: {readonly points: Points}) => {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (container.current === null) {
      return undefined;
    }

    const dots = (stroke: string) => ({paths: () => null, points: {fill: stroke, show: true, size: 7, stroke}, stroke});
    const plot = new uPlot({
      axes: [{grid: {stroke: color('--border')}, stroke: color('--muted')}, {grid: {stroke: color('--border')}, label: 'seconds', stroke: color('--muted')}],
      height: 180,
      legend: {show: true},
      // The whole day, so that when the jobs ran reads at a glance.
      scales: {x: {range: () => [(Date.now() - DAY) / 1000, Date.now() / 1000], time: true}},
      series: [{}, {label: 'succeeded', ...dots(color('--success'))}, {label: 'failed', ...dots(color('--failure'))}],
      width: Math.max(320, container.current.clientWidth),
    }, [points.times, points.succeeded, points.failed], container.current);

    return () => {
      plot.destroy();
    };
  }, [points]);

  return <div class="chart" ref={container} />;
};

/** A task's last 24 hours: how many of its ended jobs succeeded, and each one's duration, in a uPlot chart. */
export const OutcomeChart = ({name}: {readonly name: string}) => {
  const {data} = usePolling(async () => {
    const query = new URLSearchParams({from: new Date(Date.now() - DAY).toISOString(), limit: '500', states: 'DONE,ERROR', taskName: name});

    return toPoints((await request<{jobs: Job[]}>('GET', `/v1/jobs?${query.toString()}`)).jobs);
  }, REFRESH_INTERVAL, `chart-${name}`);

  if (data === null) {
    return null;
  }

  const succeeded = data.succeeded.filter((value) => value !== null).length;

  return (
    <section aria-labelledby="chart-heading">
      <h3 id="chart-heading">Last 24 hours</h3>
      {data.times.length === 0 ? <p class="muted">No job ended in the last 24 hours.</p> : (
        <>
          <p class="rate">{succeeded} of {data.times.length} succeeded ({Math.round(succeeded / data.times.length * 100)}%)</p>
          <Plot points={data} />
        </>
      )}
    </section>
  );
};
