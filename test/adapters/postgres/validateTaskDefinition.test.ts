import test from 'ava';
import type {TaskDefinition} from '../../../src/adapters/postgres/index.ts';
import {validateTaskDefinition} from '../../../src/adapters/postgres/validatePostgresStoreConfiguration.ts';

test('applies the defaults: executions may go 5 minutes without a heartbeat, concurrency from code, 25 attempts 1 s to 1 h apart', (t) => {
  t.deepEqual(validateTaskDefinition({name: 'items'}), {maxAttempts: 25, maxConcurrentExecutionCount: 0, maxExecutionDuration: 300_000, maxRetryDelay: 3_600_000, retryDelay: 1_000, taskName: 'items'});
});

test('reads maxAttempts, retryDelay and maxRetryDelay; a retryDelay above the default maxRetryDelay raises that default to it', (t) => {
  t.like(validateTaskDefinition({maxAttempts: 3, maxRetryDelay: 60_000, name: 'items', retryDelay: 0}), {maxAttempts: 3, maxRetryDelay: 60_000, retryDelay: 0});
  t.like(validateTaskDefinition({name: 'items', retryDelay: 7_200_000}), {maxRetryDelay: 7_200_000, retryDelay: 7_200_000});
});

test('reads maxExecutionDuration and maxConcurrentExecutionCount', (t) => {
  t.deepEqual(validateTaskDefinition({maxConcurrentExecutionCount: 3, maxExecutionDuration: 60_000, name: 'items'}), {maxAttempts: 25, maxRetryDelay: 3_600_000, retryDelay: 1_000, maxConcurrentExecutionCount: 3, maxExecutionDuration: 60_000, taskName: 'items'});
});

test('still reads the deprecated maximumExecutionDuration and maximumConcurrentExecutionCount', (t) => {
  const definition: TaskDefinition = {maximumConcurrentExecutionCount: 3, maximumExecutionDuration: 60_000, name: 'items'};

  t.deepEqual(validateTaskDefinition(definition), {maxAttempts: 25, maxRetryDelay: 3_600_000, retryDelay: 1_000, maxConcurrentExecutionCount: 3, maxExecutionDuration: 60_000, taskName: 'items'});
});

test('the max* names win over their deprecated aliases when both are given', (t) => {
  t.like(validateTaskDefinition({maxConcurrentExecutionCount: 2, maxExecutionDuration: 1_000, maximumConcurrentExecutionCount: 9, maximumExecutionDuration: 9_000, name: 'items'}), {maxConcurrentExecutionCount: 2, maxExecutionDuration: 1_000});
});

const invalid: Array<[string, TaskDefinition, {readonly code: string; readonly message?: string; readonly option: string}]> = [
  ['an empty name', {name: ''}, {code: 'INVALID_STORE_CONFIGURATION', option: 'name'}],
  // Found by test/fuzz/dispatchStore.test.ts: each failed in the database with a driver's error, uncoded.
  ['a name holding NUL', {name: 'items\u0000'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'name'}],
  ['a name holding a lone surrogate (stored as U+FFFD: two names, one task)', {name: 'items\uD800'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'name'}],
  ['a name longer than 1,000 bytes (more than the unique index holds)', {name: 'é'.repeat(501)}, {code: 'INVALID_STORE_CONFIGURATION', option: 'name'}],
  ['a zero maxExecutionDuration', {maxExecutionDuration: 0, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `maxExecutionDuration` to be a finite number > 0, got `0`.', option: 'maxExecutionDuration'}],
  ['a null maxExecutionDuration', {maxExecutionDuration: null as never, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'maxExecutionDuration'}],
  ['a fractional maxConcurrentExecutionCount', {maxConcurrentExecutionCount: 1.5, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'maxConcurrentExecutionCount'}],
  ['a negative maximumExecutionDuration (named as given)', {maximumExecutionDuration: -1, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `maximumExecutionDuration` to be a finite number > 0, got `-1`.', option: 'maximumExecutionDuration'}],
  ['a zero maxAttempts', {maxAttempts: 0, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `maxAttempts` to be an integer >= 1, got `0`.', option: 'maxAttempts'}],
  ['a fractional maxAttempts', {maxAttempts: 2.5, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'maxAttempts'}],
  ['an infinite maxAttempts', {maxAttempts: Number.POSITIVE_INFINITY, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'maxAttempts'}],
  ['a negative retryDelay', {name: 'items', retryDelay: -1}, {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `retryDelay` to be a finite number >= 0 (milliseconds), got `-1`.', option: 'retryDelay'}],
  ['a maxRetryDelay below retryDelay', {maxRetryDelay: 500, name: 'items', retryDelay: 1_000}, {code: 'INVALID_STORE_CONFIGURATION', message: 'Expected `maxRetryDelay` to be a finite number >= `retryDelay` (1000), got `500`.', option: 'maxRetryDelay'}],
  ['an infinite maxRetryDelay', {maxRetryDelay: Number.POSITIVE_INFINITY, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'maxRetryDelay'}],
  ['a negative maximumConcurrentExecutionCount (named as given)', {maximumConcurrentExecutionCount: -1, name: 'items'}, {code: 'INVALID_STORE_CONFIGURATION', option: 'maximumConcurrentExecutionCount'}],
];

test('accepts a name of 1,000 bytes full of quotes and SQL', (t) => {
  const prefix = '\'; DROP TABLE maintenance_task; --"';
  const name = prefix.padEnd(1_000, 'x');

  t.is(Buffer.byteLength(name), 1_000);
  t.is(validateTaskDefinition({name}).taskName, name);
});

for (const [title, definition, expected] of invalid) {
  test(`rejects a task definition with ${title}`, (t) => {
    t.like(t.throws(() => validateTaskDefinition(definition)), expected);
  });
}
