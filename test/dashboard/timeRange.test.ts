/** The task page's time range as the URL's hash holds it, and the API bounds it stands for: a table. */
import test from 'ava';
import {readTimeRange, resolveTimeRange, type TimeRange, writeTimeRange} from '../../src/dashboard/app/timeRange.ts';

const NOW = Date.parse('2026-12-03T12:00:00.000Z');

const cases: ReadonlyArray<readonly [string, TimeRange, {readonly from: string | null; readonly to: string | null}]> = [
  ['', {kind: 'all'}, {from: null, to: null}],
  ['last=1h', {kind: 'last', last: '1h'}, {from: '2026-12-03T11:00:00.000Z', to: '2026-12-03T12:00:00.000Z'}],
  ['last=24h', {kind: 'last', last: '24h'}, {from: '2026-12-02T12:00:00.000Z', to: '2026-12-03T12:00:00.000Z'}],
  ['last=7d', {kind: 'last', last: '7d'}, {from: '2026-11-26T12:00:00.000Z', to: '2026-12-03T12:00:00.000Z'}],
  ['from=2026-12-01T00%3A00%3A00.000Z', {from: '2026-12-01T00:00:00.000Z', kind: 'between', to: null}, {from: '2026-12-01T00:00:00.000Z', to: null}],
  ['from=2026-12-01T00%3A00%3A00.000Z&to=2026-12-02T00%3A00%3A00.000Z', {from: '2026-12-01T00:00:00.000Z', kind: 'between', to: '2026-12-02T00:00:00.000Z'}, {from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z'}],
];

for (const [query, range, bounds] of cases) {
  test(`the hash query \`${query}\` reads as ${JSON.stringify(range)}, is written back the same, and asks the API for ${JSON.stringify(bounds)}`, (t) => {
    t.deepEqual(readTimeRange(new URLSearchParams(query)), range);
    t.is(writeTimeRange(new URLSearchParams(), range).toString(), query);
    t.deepEqual(resolveTimeRange(range, NOW), bounds);
  });
}

test('a hash query that holds no range (an unknown choice, dates that are not dates) is every job', (t) => {
  t.deepEqual(readTimeRange(new URLSearchParams('last=2y')), {kind: 'all'});
  t.deepEqual(readTimeRange(new URLSearchParams('from=yesterday&to=')), {kind: 'all'});
  t.deepEqual(readTimeRange(new URLSearchParams('last=toString')), {kind: 'all'});
});

test('writing a range keeps the query\'s other fields and drops its previous range', (t) => {
  t.is(writeTimeRange(new URLSearchParams('from=2026-12-01T00%3A00%3A00.000Z&state=ERROR'), {kind: 'last', last: '7d'}).toString(), 'state=ERROR&last=7d');
});
