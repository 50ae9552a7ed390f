import test from 'ava';
import {formatDuration, formatJobError, formatJobSummary, formatLogEntry, formatProgress, formatSchedule, formatTime} from '../../src/cli/formatValues.ts';

test('formatDuration writes milliseconds as the durations parseDuration reads', (t) => {
  for (const [milliseconds, text] of [[0, '0ms'], [1, '1ms'], [1500, '1s500ms'], [900_000, '15m'], [5_400_000, '1h30m'], [691_200_000, '1w1d']] as const) {
    t.is(formatDuration(milliseconds), text, String(milliseconds));
  }
});

test('formatTime shows UTC to the second, `-` for none', (t) => {
  t.is(formatTime('2026-12-03T08:46:37.512Z'), '2026-12-03 08:46:37Z');
  t.is(formatTime('2026-12-03T09:46:37+01:00'), '2026-12-03 08:46:37Z');
  t.is(formatTime(null), '-');
  t.is(formatTime('not a date'), 'not a date');
});

test('formatSchedule names each kind of schedule', (t) => {
  t.is(formatSchedule({expression: '0 3 * * *', kind: 'CRON', timezone: 'UTC'}), 'cron 0 3 * * *');
  t.is(formatSchedule({expression: '0 3 * * *', kind: 'CRON', timezone: 'Europe/Berlin'}), 'cron 0 3 * * * (Europe/Berlin)');
  t.is(formatSchedule({every: 900_000, kind: 'INTERVAL'}), 'every 15m');
  t.is(formatSchedule({date: '2027-02-01T08:00:00.000Z', kind: 'ONE_SHOT', repeat: null, timezone: 'UTC'}), 'once 2027-02-01 08:00:00Z');
  t.is(
    formatSchedule({date: '2027-02-01T08:00:00.000Z', kind: 'ONE_SHOT', repeat: {days: 7, hours: 0, milliseconds: 0, minutes: 0, months: 1, seconds: 0, weeks: 0, years: 0}, timezone: 'UTC'}),
    'once 2027-02-01 08:00:00Z, then every 1M7d',
  );
});

test('job summaries, progress, errors and log entries', (t) => {
  t.is(formatJobSummary({date: '2026-12-03T08:46:37.000Z', id: 12, status: 'failed'}), '#12 failed 2026-12-03 08:46:37Z');
  t.is(formatJobSummary(null), '-');
  t.is(formatProgress(0.5), '50%');
  t.is(formatProgress(null), '-');
  t.is(formatJobError({code: 'job_timed_out', message: 'Timed out after 30000 ms.'}), 'job_timed_out: Timed out after 30000 ms.');
  t.is(formatJobError({message: 'boom'}), 'boom');
  t.is(formatJobError(null), '-');
  t.is(formatLogEntry({attempt: 2, date: '2026-12-03T08:46:37.000Z', message: 'sent 40 emails', progress: 0.4, step: 'emails'}), '2026-12-03 08:46:37Z #2 40% [emails] sent 40 emails');
  t.is(formatLogEntry({attempt: 1, date: '2026-12-03T08:46:37.000Z', message: 'started', progress: null, step: null}), '2026-12-03 08:46:37Z #1 started');
});
