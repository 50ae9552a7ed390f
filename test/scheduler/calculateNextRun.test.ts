import test from 'ava';
import {calculateNextRun, calculatePreviousRun, parseSchedule, type ParseScheduleConfiguration} from '../../src/scheduler/index.ts';

/** The first `count` slots strictly after `after`, as ISO strings. */
const slotsAfter = (configuration: ParseScheduleConfiguration, after: string, count: number, anchor?: string): Array<string | null> => {
  const schedule = parseSchedule(configuration);
  const slots: Array<string | null> = [];
  let cursor: Date | null = new Date(after);

  for (let index = 0; index < count && cursor !== null; index++) {
    cursor = calculateNextRun({after: cursor, anchor: anchor === undefined ? undefined : new Date(anchor), schedule});
    slots.push(cursor?.toISOString() ?? null);
  }

  return slots;
};

const cases: Array<[string, ParseScheduleConfiguration, string, string[], string?]> = [
  // Cron, 5 and 6 fields.
  ['a 5-field cron every 15 minutes', {schedule: '*/15 * * * *'}, '2026-01-01T10:07:00.000Z', ['2026-01-01T10:15:00.000Z', '2026-01-01T10:30:00.000Z', '2026-01-01T10:45:00.000Z']],
  ['a 5-field cron is strictly after a slot', {schedule: '*/15 * * * *'}, '2026-01-01T10:15:00.000Z', ['2026-01-01T10:30:00.000Z']],
  ['a 6-field cron at second 30 of every minute', {schedule: '30 * * * * *'}, '2026-01-01T10:00:30.000Z', ['2026-01-01T10:01:30.000Z', '2026-01-01T10:02:30.000Z']],
  ['a 6-field cron every second, from mid-second', {schedule: '* * * * * *'}, '2026-01-01T00:00:00.500Z', ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:03.000Z']],
  ['a 6-field cron every second, from a slot', {schedule: '* * * * * *'}, '2026-01-01T00:00:59.000Z', ['2026-01-01T00:01:00.000Z']],
  ['a weekday cron (Mon-Fri 09:00)', {schedule: '0 9 * * 1-5'}, '2026-01-02T09:00:00.000Z', ['2026-01-05T09:00:00.000Z', '2026-01-06T09:00:00.000Z']],
  ['a cron in New York', {schedule: '0 9 * * *', timezone: 'America/New_York'}, '2026-01-01T00:00:00.000Z', ['2026-01-01T14:00:00.000Z']],
  // Daily 02:30 in Europe/Berlin across the DST changes of 2026 (croner's rule for fixed-time expressions).
  ['02:30 Berlin across spring forward: runs at 03:00 CEST on 2026-03-29', {schedule: '30 2 * * *', timezone: 'Europe/Berlin'}, '2026-03-27T12:00:00.000Z', ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']],
  ['02:30 Berlin across fall back: runs once, at the first 02:30 (CEST) on 2026-10-25', {schedule: '30 2 * * *', timezone: 'Europe/Berlin'}, '2026-10-23T12:00:00.000Z', ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
  ['02:30 Berlin asked between the two 02:30s of 2026-10-25: no second slot', {schedule: '30 2 * * *', timezone: 'Europe/Berlin'}, '2026-10-25T00:30:00.000Z', ['2026-10-26T01:30:00.000Z']],
  ['every 30 min of 02:xx Berlin: none in the gap', {schedule: '*/30 2 * * *', timezone: 'Europe/Berlin'}, '2026-03-28T23:00:00.000Z', ['2026-03-30T00:00:00.000Z']],
  ['every 30 min of 02:xx Berlin: both passes of the overlap', {schedule: '*/30 2 * * *', timezone: 'Europe/Berlin'}, '2026-10-24T23:00:00.000Z', ['2026-10-25T00:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-26T01:00:00.000Z']],
  // Intervals: a grid from the anchor (the Unix epoch by default).
  ['15m aligned to the epoch', {schedule: '15m'}, '2026-01-01T10:07:13.000Z', ['2026-01-01T10:15:00.000Z', '2026-01-01T10:30:00.000Z']],
  ['15m aligned to an anchor', {schedule: '15m'}, '2026-01-01T10:07:13.000Z', ['2026-01-01T10:17:00.000Z', '2026-01-01T10:32:00.000Z'], '2026-01-01T10:02:00.000Z'],
  ['15m from its anchor: the anchor itself is not next', {schedule: '15m'}, '2026-01-01T10:02:00.000Z', ['2026-01-01T10:17:00.000Z'], '2026-01-01T10:02:00.000Z'],
  ['15m before its anchor: the same grid', {schedule: '15m'}, '2026-01-01T09:50:00.000Z', ['2026-01-01T09:53:00.000Z'], '2026-01-01T10:38:00.000Z'],
  ['500ms', {schedule: '500ms'}, '2026-01-01T00:00:00.250Z', ['2026-01-01T00:00:00.500Z', '2026-01-01T00:00:01.000Z']],
  ['1d is 24 exact hours, not a calendar day', {schedule: '1d'}, '2026-03-28T12:00:00.000Z', ['2026-03-29T00:00:00.000Z', '2026-03-30T00:00:00.000Z']],
  // One-shots.
  ['a one-shot before its date', {schedule: {date: '2026-05-01T09:00:00Z'}}, '2026-04-01T00:00:00.000Z', ['2026-05-01T09:00:00.000Z']],
  // Repeat, one unit at a time (from 2026-01-15T09:00Z in UTC).
  ['repeat years', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {years: 1}}}, '2026-01-15T09:00:00.000Z', ['2027-01-15T09:00:00.000Z', '2028-01-15T09:00:00.000Z']],
  ['repeat y', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {y: 2}}}, '2026-01-15T09:00:00.000Z', ['2028-01-15T09:00:00.000Z']],
  ['repeat months', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {months: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-02-15T09:00:00.000Z', '2026-03-15T09:00:00.000Z']],
  ['repeat M', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {M: 3}}}, '2026-01-15T09:00:00.000Z', ['2026-04-15T09:00:00.000Z', '2026-07-15T09:00:00.000Z']],
  ['repeat weeks', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {weeks: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-01-22T09:00:00.000Z']],
  ['repeat w', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {w: 2}}}, '2026-01-15T09:00:00.000Z', ['2026-01-29T09:00:00.000Z']],
  ['repeat days', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {days: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-01-16T09:00:00.000Z', '2026-01-17T09:00:00.000Z']],
  ['repeat d', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {d: 10}}}, '2026-01-15T09:00:00.000Z', ['2026-01-25T09:00:00.000Z', '2026-02-04T09:00:00.000Z']],
  ['repeat hours', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {hours: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-01-15T10:00:00.000Z']],
  ['repeat h', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {h: 36}}}, '2026-01-15T09:00:00.000Z', ['2026-01-16T21:00:00.000Z']],
  ['repeat minutes', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {minutes: 90}}}, '2026-01-15T09:00:00.000Z', ['2026-01-15T10:30:00.000Z']],
  ['repeat m (minutes, not months)', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {m: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-01-15T09:01:00.000Z']],
  ['repeat seconds', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {seconds: 30}}}, '2026-01-15T09:00:00.000Z', ['2026-01-15T09:00:30.000Z']],
  ['repeat s', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {s: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-01-15T09:00:01.000Z']],
  ['repeat milliseconds', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {milliseconds: 250}}}, '2026-01-15T09:00:00.000Z', ['2026-01-15T09:00:00.250Z']],
  ['repeat ms', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {ms: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-01-15T09:00:00.001Z']],
  ['repeat {months: 1, days: 7}', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {days: 7, months: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-02-22T09:00:00.000Z', '2026-03-29T09:00:00.000Z', '2026-05-06T09:00:00.000Z']],
  ['repeat {M: 1, d: 7} = {months: 1, days: 7}', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {d: 7, M: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-02-22T09:00:00.000Z', '2026-03-29T09:00:00.000Z', '2026-05-06T09:00:00.000Z']],
  ['repeat {days: 1, hours: 1}: calendar day, then exact hours', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {d: 1, h: 1}}}, '2026-01-15T09:00:00.000Z', ['2026-01-16T10:00:00.000Z', '2026-01-17T11:00:00.000Z']],
  ['repeat from before the date: the date itself', {schedule: {date: '2026-01-15T09:00:00Z', repeat: {d: 1}}}, '2025-12-01T00:00:00.000Z', ['2026-01-15T09:00:00.000Z', '2026-01-16T09:00:00.000Z']],
  ['repeat asked years later', {schedule: {date: '2000-01-15T09:00:00Z', repeat: {d: 1}}}, '2026-01-15T09:30:00.000Z', ['2026-01-16T09:00:00.000Z']],
  // Month ends: counted from the date, clamped, never drifting.
  ['Jan 31 + 1 month each: Feb 28, Mar 31, Apr 30', {schedule: {date: '2026-01-31T12:00:00Z', repeat: {M: 1}}}, '2026-01-31T12:00:00.000Z', ['2026-02-28T12:00:00.000Z', '2026-03-31T12:00:00.000Z', '2026-04-30T12:00:00.000Z', '2026-05-31T12:00:00.000Z']],
  ['Jan 31 + 1 month in a leap year: Feb 29', {schedule: {date: '2028-01-31T12:00:00Z', repeat: {M: 1}}}, '2028-01-31T12:00:00.000Z', ['2028-02-29T12:00:00.000Z', '2028-03-31T12:00:00.000Z']],
  ['Feb 29 + 1 year: Feb 28, then Feb 29 again in a leap year', {schedule: {date: '2028-02-29T12:00:00Z', repeat: {y: 1}}}, '2028-02-29T12:00:00.000Z', ['2029-02-28T12:00:00.000Z', '2030-02-28T12:00:00.000Z', '2031-02-28T12:00:00.000Z', '2032-02-29T12:00:00.000Z']],
  ['Jan 31 + {months: 1, days: 1}: clamp first, then add the day', {schedule: {date: '2026-01-31T12:00:00Z', repeat: {d: 1, M: 1}}}, '2026-01-31T12:00:00.000Z', ['2026-03-01T12:00:00.000Z', '2026-04-02T12:00:00.000Z']],
  // Repeat in a time zone: calendar units keep the wall-clock time across DST.
  ['daily 09:00 Berlin keeps 09:00 across spring forward', {schedule: {date: '2026-03-28T09:00', repeat: {d: 1}}, timezone: 'Europe/Berlin'}, '2026-03-28T08:00:00.000Z', ['2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z']],
  ['24 hours from 09:00 Berlin is 10:00 after spring forward', {schedule: {date: '2026-03-28T09:00', repeat: {h: 24}}, timezone: 'Europe/Berlin'}, '2026-03-28T08:00:00.000Z', ['2026-03-29T08:00:00.000Z']],
  ['daily 02:30 Berlin: moved to 03:30 in the spring gap, once at the first 02:30 in autumn', {schedule: {date: '2026-03-28T02:30', repeat: {d: 1}}, timezone: 'Europe/Berlin'}, '2026-03-28T01:30:00.000Z', ['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']],
  ['daily 02:30 Berlin on 2026-10-25: one slot', {schedule: {date: '2026-10-24T02:30', repeat: {d: 1}}, timezone: 'Europe/Berlin'}, '2026-10-24T00:30:00.000Z', ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
  ['monthly on the 31st at 10:00 Berlin', {schedule: {date: '2026-01-31T10:00', repeat: {M: 1}}, timezone: 'Europe/Berlin'}, '2026-01-31T09:00:00.000Z', ['2026-02-28T09:00:00.000Z', '2026-03-31T08:00:00.000Z']],
];

for (const [title, configuration, after, expected, anchor] of cases) {
  test(`next runs: ${title}`, (t) => {
    t.deepEqual(slotsAfter(configuration, after, expected.length, anchor), expected);
  });
}

test('a one-shot without repeat has no slot after its date', (t) => {
  const schedule = parseSchedule({schedule: {date: '2026-05-01T09:00:00Z'}});
  t.is(calculateNextRun({after: new Date('2026-05-01T09:00:00Z'), schedule}), null);
  t.is(calculatePreviousRun({atOrBefore: new Date('2026-05-01T08:59:59.999Z'), schedule}), null);
  t.deepEqual(calculatePreviousRun({atOrBefore: new Date('2026-05-01T09:00:00Z'), schedule}), new Date('2026-05-01T09:00:00Z'));
});

test('the same slots come out whatever instant between two slots is asked (slots are keys)', (t) => {
  const schedules = [
    parseSchedule({schedule: '*/7 * * * * *'}),
    parseSchedule({schedule: '1h30m'}),
    parseSchedule({schedule: {date: '2026-01-31T10:00', repeat: {d: 3, M: 1}}, timezone: 'Europe/Berlin'}),
  ];

  for (const schedule of schedules) {
    const slot = calculateNextRun({after: new Date('2026-06-01T00:00:00Z'), schedule});
    const following = calculateNextRun({after: slot!, schedule});

    for (const fraction of [0, 0.1, 0.5, 0.99]) {
      const between = new Date(slot!.getTime() + (following!.getTime() - slot!.getTime()) * fraction);
      t.deepEqual(calculateNextRun({after: between, schedule}), following);
      t.deepEqual(calculatePreviousRun({atOrBefore: between, schedule}), slot);
    }
  }
});

const previousCases: Array<[string, ParseScheduleConfiguration, string, string | null]> = [
  ['cron, at a slot: that slot', {schedule: '* * * * * *'}, '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:05.000Z'],
  ['cron, just before a slot', {schedule: '* * * * * *'}, '2026-01-01T00:00:04.999Z', '2026-01-01T00:00:04.000Z'],
  ['02:30 Berlin after fall back: the first 02:30', {schedule: '30 2 * * *', timezone: 'Europe/Berlin'}, '2026-10-25T12:00:00.000Z', '2026-10-25T00:30:00.000Z'],
  ['02:30 Berlin after spring forward: 03:00 CEST', {schedule: '30 2 * * *', timezone: 'Europe/Berlin'}, '2026-03-29T12:00:00.000Z', '2026-03-29T01:00:00.000Z'],
  ['interval, at a slot', {schedule: '15m'}, '2026-01-01T10:15:00.000Z', '2026-01-01T10:15:00.000Z'],
  ['repeat, between slots', {schedule: {date: '2026-01-31T12:00:00Z', repeat: {M: 1}}}, '2026-03-30T00:00:00.000Z', '2026-02-28T12:00:00.000Z'],
  ['repeat, before the date', {schedule: {date: '2026-01-31T12:00:00Z', repeat: {M: 1}}}, '2026-01-01T00:00:00.000Z', null],
];

for (const [title, configuration, atOrBefore, expected] of previousCases) {
  test(`previous run: ${title}`, (t) => {
    const slot = calculatePreviousRun({atOrBefore: new Date(atOrBefore), schedule: parseSchedule(configuration)});
    t.is(slot?.toISOString() ?? null, expected);
  });
}

test('rejects an invalid `after` with INVALID_DATE', (t) => {
  const error = t.throws(() => calculateNextRun({after: new Date(Number.NaN), schedule: parseSchedule({schedule: '1s'})}));
  t.like(error, {code: 'INVALID_DATE', option: 'after'});
});

// Found by test/fuzz/schedule.test.ts: these returned an Invalid Date or threw a RangeError.
const endOfTimeCases: Array<[string, ParseScheduleConfiguration, number]> = [
  ['an interval whose next slot is past the last Date', {schedule: {every: Number.MAX_SAFE_INTEGER}}, 0],
  ['a yearly repeat asked at the last Date', {schedule: {date: 0, repeat: {y: 1}}}, 8.64e15],
  ['a yearly repeat in a zone, asked at the last Date', {schedule: {date: 0, repeat: {y: 1}}, timezone: 'Africa/Abidjan'}, 8.64e15],
  ['a daily repeat in Berlin, asked a millisecond before the last Date', {schedule: {date: 0, repeat: {d: 1}}, timezone: 'Europe/Berlin'}, 8.64e15 - 1],
  ['a cron in Berlin, asked a millisecond before the last Date', {schedule: '* * * * *', timezone: 'Europe/Berlin'}, 8.64e15 - 1],
];

for (const [title, configuration, after] of endOfTimeCases) {
  test(`no next run past the last instant a Date holds: ${title}`, (t) => {
    t.is(calculateNextRun({after: new Date(after), schedule: parseSchedule(configuration)}), null);
  });
}

test('no previous run before the first instant a Date holds', (t) => {
  t.is(calculatePreviousRun({atOrBefore: new Date(-8.64e15), schedule: parseSchedule({schedule: {every: Number.MAX_SAFE_INTEGER}})}), null);
  t.is(calculatePreviousRun({atOrBefore: new Date(-8.64e15 + 3 * 3_600_000), schedule: parseSchedule({schedule: '@hourly', timezone: 'Africa/Abidjan'})}), null);
});
