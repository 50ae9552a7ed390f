import {Sparkline} from './Sparkline.tsx';
import {formatSeconds, toStatsSeries} from './statsSeries.ts';
import type {JobStats} from './types.ts';

/** No bar where there is nothing (a bar of height 0 still draws its edge). */
const bars = (values: readonly number[]) => values.map((value) => value === 0 ? null : value);

/**
 * A task's last 24 hours in the overview's table: how many of its ended jobs succeeded, and two
 * sparklines by hour: the jobs that ended, green for the part that succeeded over red for the rest
 * (the success rate, and how many), and the mean duration.
 */
export const TaskStatsCell = ({name, stats}: {readonly name: string; readonly stats: JobStats}) => {
  const series = toStatsSeries(stats, name);
  const {failed, maxDuration, succeeded} = series.total;
  const ended = succeeded + failed;

  if (ended === 0) {
    return <td class="task-stats"><span class="muted">none ended</span></td>;
  }

  const summary = `${succeeded} of ${ended} succeeded`;

  return (
    <td class="task-stats">
      <div aria-label={`${name}, last 24 hours: ${summary}${maxDuration === null ? '' : `, longest ${formatSeconds(maxDuration)}`}`} class="sparklines" role="group">
        <span class={failed === 0 ? 'rate' : 'rate failure'}>{summary}</span>
        <Sparkline
          label={`${name}: jobs that succeeded (green) and failed (red) per hour`}
          series={[{color: '--failure', values: bars(series.ended)}, {color: '--success', values: bars(series.succeeded)}]}
          times={series.times}
        />
        <Sparkline label={`${name}: mean duration per hour`} series={[{color: '--accent', values: series.averageDuration}]} times={series.times} />
      </div>
    </td>
  );
};
