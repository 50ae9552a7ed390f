import test from 'ava';
import {toStoredResult} from '../../src/scheduler/toStoredResult.ts';

const circular: Record<string, unknown> = {};

circular.self = circular;

const cases: ReadonlyArray<readonly [string, unknown, unknown, string | null]> = [
  ['undefined is null', undefined, null, null],
  ['null stays null', null, null, null],
  ['a string', 'pong', 'pong', null],
  ['a Date becomes its ISO string', {at: new Date(0)}, {at: '1970-01-01T00:00:00.000Z'}, null],
  ['undefined members go', {a: 1, b: undefined}, {a: 1}, null],
  ['a bigint is refused', {rows: [1n]}, null, 'result.rows[0]'],
  ['a cycle is refused', circular, null, 'result.self'],
  ['a NUL in a string is refused', 'a\u0000b', null, 'result'],
  ['a toJSON returning undefined is null', {toJSON: () => undefined}, null, null],
];

for (const [title, input, value, path] of cases) {
  test(`toStoredResult: ${title}`, (t) => {
    const stored = toStoredResult(input);

    t.deepEqual(stored.value, value);
    t.is(stored.fault?.path ?? null, path);
  });
}
