import {useEffect, useState} from 'preact/hooks';
import {formatDate, viewerTimeZone} from './format.ts';
import {type LastChoice, readTimeRange, resolveTimeRange, type TimeRange, fromLocalInput, toLocalInput, writeTimeRange} from './timeRange.ts';
import {useHashQuery} from './useHashQuery.ts';

const QUICK: ReadonlyArray<readonly [LastChoice | 'all', string]> = [['1h', 'Last hour'], ['24h', 'Last 24 h'], ['7d', 'Last 7 days'], ['all', 'All']];

/** The task page's time range, read from and written to the URL's hash (a reload keeps it). */
export const useTimeRange = (): readonly [TimeRange, (range: TimeRange) => void] => {
  const [query, setQuery] = useHashQuery();

  return [readTimeRange(query), (range: TimeRange) => {
    setQuery(writeTimeRange(query, range));
  }] as const;
};

/** A key that changes when the range does (to reload what depends on it). */
export const timeRangeKey = (range: TimeRange): string => JSON.stringify(range);

const isActive = (range: TimeRange, choice: LastChoice | 'all') => choice === 'all' ? range.kind === 'all' : range.kind === 'last' && range.last === choice;

/** Describes the bounds in `timeZone` (the task's), beside the viewer's inputs. */
const Bounds = ({range, timeZone}: {readonly range: TimeRange; readonly timeZone: string}) => {
  const {from, to} = resolveTimeRange(range, Date.now());

  return (
    <span class="muted">
      {' '}In the task's timezone ({timeZone}): {from === null ? 'any time' : formatDate(from, timeZone)} – {to === null ? 'now and later' : formatDate(to, timeZone)}
    </span>
  );
};

/**
 * From and to (`datetime-local`, the viewer's local time) and quick choices (last hour, 24 h, 7
 * days, all): which jobs, by the time they were scheduled for, the task page lists.
 */
export const TimeRangeFilter = ({onChange, range, taskTimeZone}: {readonly onChange: (range: TimeRange) => void; readonly range: TimeRange; readonly taskTimeZone: string | null}) => {
  const key = timeRangeKey(range);
  const resolved = resolveTimeRange(range, Date.now());
  const [from, setFrom] = useState(toLocalInput(resolved.from));
  const [to, setTo] = useState(toLocalInput(resolved.to));
  const viewer = viewerTimeZone();

  // A quick choice (or the hash changed by hand) shows its bounds in the inputs.
  useEffect(() => {
    setFrom(toLocalInput(resolved.from));
    setTo(toLocalInput(resolved.to));
  }, [key]);

  return (
    <form aria-label="Time range" class="time-range" onSubmit={(event) => {
      event.preventDefault();

      const next = {from: fromLocalInput(from), kind: 'between', to: fromLocalInput(to)} as const;

      onChange(next.from === null && next.to === null ? {kind: 'all'} : next);
    }}>
      <label for="range-from">Scheduled from</label>
      <input id="range-from" onInput={(event) => setFrom(event.currentTarget.value)} step={60} type="datetime-local" value={from} />
      <label for="range-to">to</label>
      <input id="range-to" onInput={(event) => setTo(event.currentTarget.value)} step={60} type="datetime-local" value={to} />
      <button type="submit">Apply</button>
      <span class="muted">your time ({viewer})</span>
      <span class="quick" role="group" aria-label="Quick ranges">
        {QUICK.map(([choice, label]) => (
          <button aria-pressed={isActive(range, choice)} class="link" key={choice} onClick={() => onChange(choice === 'all' ? {kind: 'all'} : {kind: 'last', last: choice})} type="button">{label}</button>
        ))}
      </span>
      {taskTimeZone === null || taskTimeZone === viewer || range.kind === 'all' ? null : <Bounds range={range} timeZone={taskTimeZone} />}
    </form>
  );
};
