import {Sparkline} from './Sparkline.tsx';
import {formatSeconds, toStatsSeries} from './statsSeries.ts';
import type {JobStats} from './types.ts';

/** A task's last 24 hours in the overview's table: how many of its ended jobs succeeded, and two sparklines by hour: the success rate and the mean duration. */
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
        <Sparkline color={failed === 0 ? '--success' : '--failure'} label={`${name}: success rate per hour`} range={[0, 1]} times={series.times} values={series.rate} />
        <Sparkline color="--accent" label={`${name}: mean duration per hour`} times={series.times} values={series.averageDuration} />
      </div>
    </td>
  );
};
