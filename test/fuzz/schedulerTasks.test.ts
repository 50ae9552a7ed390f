/**
 * Fuzz of `scheduler.schedule()` on the memory store, on PGlite and on SQLite: a whole task configuration of
 * any shape (name, payload, concurrency, schedule, timing) is stored and read back as JSON would
 * give it, or refused with a coded error before anything is stored; the scheduler goes on either way.
 */
import {isDeepStrictEqual} from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import {createMemorySchedulerStore, type ScheduleTaskConfiguration} from '../../src/scheduler/index.ts';
import {createHarness, type SchedulerStoreFactory} from '../scheduler/helpers/createHarness.ts';
import {createPgliteStores} from '../scheduler/helpers/postgresStores.ts';
import {createSqliteStores} from '../scheduler/helpers/sqliteStores.ts';
import {HostileValueError, hostileValue, hugeString, nastyString, sqlLookingString} from './helpers/arbitraries.ts';
import {expectCodedAsync} from './helpers/expectCoded.ts';
import {runProperty} from './helpers/runProperty.ts';
import {retryInput, scheduleInput, timezone} from './helpers/scheduleArbitraries.ts';

const CODES = new Set([
  'DUPLICATE_TASK_NAME',
  'INVALID_CRON_EXPRESSION',
  'INVALID_DATE',
  'INVALID_INTERVAL',
  'INVALID_MISFIRE_POLICY',
  'INVALID_PAYLOAD',
  'INVALID_REPEAT',
  'INVALID_RETRY_POLICY',
  'INVALID_SCHEDULE',
  'INVALID_SCHEDULER_CONFIGURATION',
  'INVALID_TIMEOUT',
  'INVALID_TIMEZONE',
  'UNKNOWN_REPEAT_UNIT',
]);

/** Mostly-valid timing, so that payloads and names reach the store. */
const timing = fc.oneof(
  {arbitrary: fc.record({schedule: fc.constantFrom('* * * * *', '15m', {every: 1_000}, {date: '2030-01-01T00:00:00Z'}), timeout: fc.constant(60_000)}), weight: 4},
  {arbitrary: fc.record({misfire: fc.constantFrom('once', 'all', 'skip', 'never'), retry: retryInput(), schedule: scheduleInput(), timeout: fc.oneof(fc.constant(1_000), hostileValue()), timezone: timezone()}, {requiredKeys: ['schedule', 'timeout']}), weight: 1},
);

const payload = fc.oneof(
  {arbitrary: fc.jsonValue({maxDepth: 4}), weight: 3},
  {arbitrary: fc.constantFrom(undefined, null), weight: 1},
  {arbitrary: hostileValue(), weight: 4},
  {arbitrary: fc.dictionary(nastyString(6), nastyString(), {maxKeys: 3}), weight: 2},
);

const name = fc.oneof(
  {arbitrary: nastyString(), weight: 4},
  {arbitrary: sqlLookingString(), weight: 1},
  {arbitrary: hugeString(), weight: 1},
  {arbitrary: hostileValue(), weight: 1},
);

const stores: Array<[string, SchedulerStoreFactory]> = [
  ['memory', async () => ({store: createMemorySchedulerStore()})],
  ['pglite', createPgliteStores()],
  ['sqlite', createSqliteStores()],
];

for (const [storeName, createStore] of stores) {
  test(`${storeName}: schedule() stores any task configuration as JSON reads it back, or refuses it with a coded error`, async (t) => {
    const harness = await createHarness(t, createStore);
    const scheduler = await harness.createScheduler();
    let accepted = 0;
    let runs = 0;

    await runProperty(fc.asyncProperty(name, payload, fc.option(fc.oneof(fc.integer({max: 5, min: 0}), hostileValue()), {nil: undefined}), timing, async (taskName, taskPayload, concurrency, taskTiming) => {
      runs++;

      const configuration = {...taskTiming, concurrency, name: taskName, payload: taskPayload} as ScheduleTaskConfiguration;
      const outcome = await expectCodedAsync(CODES, async () => await scheduler.schedule(configuration));

      if (!outcome.accepted) {
        return;
      }

      accepted++;

      const stored = await scheduler.getTask(taskName as string);
      let expected: unknown;

      try {
        expected = JSON.parse(JSON.stringify(taskPayload ?? null) ?? 'null');
      } catch (error) {
        // A payload whose toJSON throws: the memory store keeps it as given; nothing to compare.
        if (error instanceof HostileValueError) {
          await scheduler.unschedule(taskName as string);

          return;
        }

        throw error;
      }

      // jsonb orders an object's keys its own way: compare as values, not as text.
      // (The memory store keeps the value as given: read it as JSON too.)
      if (stored === null || !isDeepStrictEqual(JSON.parse(JSON.stringify(stored.payload) ?? 'null'), expected)) {
        throw new Error(`Expected the payload to read back as JSON gives it, got ${JSON.stringify(stored?.payload)?.slice(0, 200)}`);
      }

      await scheduler.unschedule(taskName as string);
    }), {numRuns: 80, timeLimit: 2_000});
    // 1 in 20, as parseSchedule's: a run that load cuts to 32 tasks had 3 accepted, under 1 in 10.
    t.true(accepted >= runs / 20, `only ${accepted} of ${runs} tasks were accepted`);

    // The scheduler goes on: an ordinary task is still scheduled and read back.
    await scheduler.schedule({name: 'after the fuzz', payload: {ok: true}, schedule: '1m', timeout: 1_000});
    t.like(await scheduler.getTask('after the fuzz'), {payload: {ok: true}});
  });
}
