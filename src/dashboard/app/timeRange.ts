// A time range of jobs (by `scheduledFor`) as the task page keeps it in the URL's hash: the last
// hour, 24 hours or 7 days up to now (sliding with the clock: jobs scheduled ahead are not in it), or
// fixed instants `from` and `to` (either may be open). Pure.

export const LAST_CHOICES = {'1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000} as const;

export type LastChoice = keyof typeof LAST_CHOICES;

export type TimeRange =
  | {readonly kind: 'all'}
  | {readonly kind: 'between'; readonly from: string | null; readonly to: string | null}
  | {readonly kind: 'last'; readonly last: LastChoice};

const isLastChoice = (value: string | null): value is LastChoice => value !== null && Object.hasOwn(LAST_CHOICES, value);

const readInstant = (value: string | null): string | null => {
  if (value === null || value === '' || Number.isNaN(Date.parse(value))) {
    return null;
  }

  return new Date(value).toISOString();
};

/** The range a query holds (`last=24h`, or `from=…&to=…` as ISO 8601); anything else is every job. */
export const readTimeRange = (query: URLSearchParams): TimeRange => {
  const last = query.get('last');

  if (isLastChoice(last)) {
    return {kind: 'last', last};
  }

  const from = readInstant(query.get('from'));
  const to = readInstant(query.get('to'));

  return from === null && to === null ? {kind: 'all'} : {from, kind: 'between', to};
};

/** `query` with the range written in it (and any range it had removed). */
export const writeTimeRange = (query: URLSearchParams, range: TimeRange): URLSearchParams => {
  const next = new URLSearchParams(query);

  for (const key of ['from', 'last', 'to']) {
    next.delete(key);
  }

  if (range.kind === 'last') {
    next.set('last', range.last);
  } else if (range.kind === 'between') {
    if (range.from !== null) {
      next.set('from', range.from);
    }

    if (range.to !== null) {
      next.set('to', range.to);
    }
  }

  return next;
};

/** The instants the API's `from` and `to` take at `now` (`null`: no bound). */
export const resolveTimeRange = (range: TimeRange, now: number): {readonly from: string | null; readonly to: string | null} => {
  if (range.kind === 'last') {
    return {from: new Date(now - LAST_CHOICES[range.last]).toISOString(), to: new Date(now).toISOString()};
  }

  return range.kind === 'between' ? {from: range.from, to: range.to} : {from: null, to: null};
};

/** An instant as a `datetime-local` input's value: the viewer's local time, to the minute. */
export const toLocalInput = (iso: string | null): string => {
  if (iso === null) {
    return '';
  }

  const date = new Date(iso);

  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** A `datetime-local` input's value (the viewer's local time) as an instant; `null` when empty. */
export const fromLocalInput = (value: string): string | null => value === '' || Number.isNaN(new Date(value).getTime()) ? null : new Date(value).toISOString();
