import test from 'ava';
import {parseSummarizeJobsOptions} from '../../src/scheduler/parseSummarizeJobsOptions.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// A Monday noon: a week's bucket since the epoch (a Thursday) began the Thursday before.
const NOW = Date.parse('2026-12-07T12:00:00.000Z');

const cases: ReadonlyArray<{readonly bucketSize?: number | string; readonly from: string; readonly title: string; readonly to: string}> = [
  {from: '2026-12-06T13:00:00.000Z', title: 'by default, the 24 hours up to the end of the hour now is in', to: '2026-12-07T13:00:00.000Z'},
  {bucketSize: '15m', from: '2026-12-06T12:15:00.000Z', title: 'quarter hours: the 24 hours up to the end of the quarter now is in', to: '2026-12-07T12:15:00.000Z'},
  {bucketSize: '1d', from: '2026-12-07T00:00:00.000Z', title: 'a day\'s buckets: the day now is in', to: '2026-12-08T00:00:00.000Z'},
  {bucketSize: 7 * DAY, from: '2026-12-03T00:00:00.000Z', title: 'a week\'s buckets: the whole week now is in, not a day after it', to: '2026-12-10T00:00:00.000Z'},
];

for (const {bucketSize, from, title, to} of cases) {
  test(`summarizeJobs' default range: ${title}`, (t) => {
    const input = parseSummarizeJobsOptions(bucketSize === undefined ? {} : {bucketSize}, NOW);

    t.is(new Date(input.from).toISOString(), from);
    t.is(new Date(input.to).toISOString(), to);
    t.true(input.from <= NOW && NOW < input.to, 'now is in the range');
  });
}
