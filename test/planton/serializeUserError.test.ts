import test from 'ava';
import {serializeUserError} from '../../src/planton/serializeUserError.ts';

test('replaces NUL and lone surrogates with U+FFFD in every string, keys included', (t) => {
  const error = Object.assign(new Error('bad \u0000 byte'), {details: {'k\u0000ey': ['\uD800 lone', 1, true, null]}});

  t.like(serializeUserError(error), {
    details: {'k\uFFFDey': ['\uFFFD lone', 1, true, null]},
    message: 'bad \uFFFD byte',
    name: 'Error',
  });
});

test('cuts an error nested deeper than 50 levels, and what its toJSON returns, without overflowing', (t) => {
  let deep: Record<string, unknown> = {};

  for (let index = 0; index < 100_000; index++) {
    deep = {inner: deep};
  }

  const serialized = JSON.stringify(serializeUserError(Object.assign(new Error('deep'), {deep, json: {toJSON: () => deep}})));

  t.true(serialized.length < 10_000);
  t.true(serialized.includes('"message":"deep"'));
});

// Found by test/fuzz/planton.test.ts: serialize-error ran the getter, and the error reporter threw out of the task loop.
test('never throws: a value whose getter or toJSON throws becomes an UnserializableError', (t) => {
  const getter = Object.defineProperty({}, 'boom', {enumerable: true, get: () => {
    throw new Error('getter threw');
  }});
  const json = {toJSON: () => {
    throw new Error('toJSON threw');
  }};

  t.deepEqual(serializeUserError(getter), {message: 'The thrown value could not be serialized: getter threw', name: 'UnserializableError'});
  t.like(serializeUserError(Object.assign(new Error('outer'), {json})), {name: 'UnserializableError'});
});
