import {useEffect, useRef} from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {request} from './api.ts';
import {type StatsSeries, toStatsSeries} from './statsSeries.ts';
import type {JobStats} from './types.ts';
import {cssColor, useColorScheme} from './useColorScheme.ts';
import {usePolling} from './usePolling.ts';

/** The chart changes slowly: one request every 30 s (the task's jobs that ended in the last 24 h, counted by hour on the server). */
const REFRESH_INTERVAL = 30_000;

const Plot = ({series}: {readonly series: StatsSeries}) => {
  const container = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();

  useEffect(() => {
    if (container.current === null) {
      return undefined;
    }

    // Side by side around each hour: succeeded on the left, failed on the right; no bar where there is none.
    const bars = (align: -1 | 1) => uPlot.paths.bars?.({align, size: [0.4, 24]});
    const counts = (values: readonly number[]) => values.map((value) => value === 0 ? null : value);
    const step = series.times.length > 1 ? (series.times[1] ?? 0) - (series.times[0] ?? 0) : 3600;
    const grid = {stroke: cssColor('--border')};
    const plot = new uPlot({
      axes: [
        {grid, stroke: cssColor('--muted')},
        {grid, label: 'jobs', scale: 'jobs', stroke: cssColor('--muted')},
        {grid: {show: false}, label: 'seconds', scale: 's', side: 1, stroke: cssColor('--muted')},
      ],
      height: 180,
      legend: {show: true},
      scales: {jobs: {range: (_self, _min, max) => [0, Math.max(1, max)]}, x: {range: (_self, min, max) => [min - step / 2, max + step / 2], time: true}},
      series: [
        {},
        {fill: cssColor('--success'), label: 'succeeded', paths: bars(-1), points: {show: false}, scale: 'jobs', stroke: cssColor('--success')},
        {fill: cssColor('--failure'), label: 'failed', paths: bars(1), points: {show: false}, scale: 'jobs', stroke: cssColor('--failure')},
        {label: 'mean duration (s)', points: {show: true, size: 5}, scale: 's', stroke: cssColor('--accent'), width: 1.5},
        {dash: [4, 4], label: 'longest (s)', points: {show: true, size: 4}, scale: 's', stroke: cssColor('--muted'), width: 1},
      ],
      width: Math.max(320, container.current.clientWidth),
    }, [series.times, counts(series.succeeded), counts(series.failed), series.averageDuration, series.maxDuration], container.current);

    return () => {
      plot.destroy();
    };
  }, [series, scheme]);

  return <div class="chart" ref={container} />;
};

/** A task's last 24 hours by hour: how many of its jobs succeeded and failed, and how long they took (`GET /v1/stats`, counted on the server). */
export const OutcomeChart = ({name}: {readonly name: string}) => {
  const {data} = usePolling(async () => {
    const stats = await request<JobStats>('GET', `/v1/stats?${new URLSearchParams({taskName: name}).toString()}`);

    return toStatsSeries(stats, name);
  }, REFRESH_INTERVAL, `chart-${name}`);

  if (data === null) {
    return null;
  }

  const {failed, succeeded} = data.total;
  const ended = succeeded + failed;

  return (
    <section aria-labelledby="chart-heading">
      <h3 id="chart-heading">Last 24 hours</h3>
      {ended === 0 ? <p class="muted">No job ended in the last 24 hours.</p> : (
        <>
          <p class="rate">{succeeded} of {ended} succeeded ({Math.round(succeeded / ended * 100)}%)</p>
          <Plot series={data} />
        </>
      )}
    </section>
  );
};
