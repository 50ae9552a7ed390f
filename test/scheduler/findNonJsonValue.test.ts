import test from 'ava';
import {findNonJsonValue, MAX_JSON_DEPTH} from '../../src/scheduler/findNonJsonValue.ts';

const circular: Record<string, unknown> = {a: {b: []}};

(circular.a as {b: unknown[]}).b.push(circular);

const nest = (levels: number): unknown => {
  let value: unknown = 'leaf';

  for (let level = 0; level < levels; level++) {
    value = {next: value};
  }

  return value;
};

const shared = {id: 1};

const cases: Array<[string, unknown, {path: string; reason: string} | null]> = [
  ['null', null, null],
  ['a string, a finite number, a boolean', ['x', 1.5, true], null],
  ['undefined members (dropped by JSON)', {a: undefined, b: [undefined]}, null],
  ['a Date (toJSON)', {at: new Date(0)}, null],
  ['one object referenced twice, not circular', {a: shared, b: [shared, shared]}, null],
  ['nesting at the limit', nest(MAX_JSON_DEPTH), null],
  ['a bigint at the top', 1n, {path: 'payload', reason: 'a bigint'}],
  ['a bigint in an array', {ids: [1, 2n]}, {path: 'payload.ids[1]', reason: 'a bigint'}],
  ['a circular reference', circular, {path: 'payload.a.b[0]', reason: 'a circular reference'}],
  ['nesting past the limit', nest(MAX_JSON_DEPTH + 1), {path: `payload${'.next'.repeat(MAX_JSON_DEPTH)}`, reason: `nested deeper than ${MAX_JSON_DEPTH} levels`}],
  ['nesting far past the stack', nest(500_000), {path: `payload${'.next'.repeat(MAX_JSON_DEPTH)}`, reason: `nested deeper than ${MAX_JSON_DEPTH} levels`}],
  ['a function', {run: () => undefined}, {path: 'payload.run', reason: 'a function'}],
  ['a symbol', [Symbol('s')], {path: 'payload[0]', reason: 'a symbol'}],
  ['NaN', {ratio: Number.NaN}, {path: 'payload.ratio', reason: '`NaN`'}],
  ['-Infinity', [Number.NEGATIVE_INFINITY], {path: 'payload[0]', reason: '`-Infinity`'}],
  ['a Map', {index: new Map()}, {path: 'payload.index', reason: 'a Map'}],
  ['a Set', new Set([1]), {path: 'payload', reason: 'a Set'}],
  ['a key that is not an identifier', {'odd key': 1n}, {path: 'payload["odd key"]', reason: 'a bigint'}],
  ['the first fault in order', {a: [1, 2n], b: 3n}, {path: 'payload.a[1]', reason: 'a bigint'}],
  // Found by test/fuzz/schedulerTasks.test.ts: the memory store took these, PostgreSQL's jsonb (or slonik) refused them with an uncoded error.
  ['a string holding NUL', {note: 'a\u0000b'}, {path: 'payload.note', reason: 'a string that holds NUL (U+0000), which jsonb refuses'}],
  ['a string holding a lone surrogate', ['\uD800'], {path: 'payload[0]', reason: 'a string that holds a lone surrogate, which jsonb refuses'}],
  ['a key holding NUL', {'k\u0000': 1}, {path: 'payload["k\\u0000"]', reason: 'a key that holds NUL (U+0000), which jsonb refuses'}],
  ['a toJSON that throws', {at: {toJSON: () => {
    throw new Error('no');
  }}}, {path: 'payload.at', reason: 'a toJSON that threw (no)'}],
  ['what a toJSON returns', {at: {toJSON: () => 1n}}, {path: 'payload.at', reason: 'a bigint'}],
  // Called once, as JSON.stringify does (no endless walk); its own member is then a function, as ever.
  ['a toJSON that returns its own object', {at: {toJSON () {
    return this;
  }}}, {path: 'payload.at.toJSON', reason: 'a function'}],
];

for (const [title, value, expected] of cases) {
  test(`findNonJsonValue: ${title}`, (t) => {
    t.deepEqual(findNonJsonValue(value, 'payload'), expected);
  });
}
