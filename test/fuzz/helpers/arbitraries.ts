/**
 * Generators of hostile input shared by the fuzz tests: strings a database or JSON cannot hold as
 * given (NUL, lone surrogates), values JSON cannot hold at all (bigint, NaN, functions, symbols,
 * Maps, cycles), values too deep or too large for a recursive walk, and objects whose shape lies
 * (null prototype, getters that throw).
 */
import fc from 'fast-check';

/** Characters that break naive handling: NUL, lone surrogates (both halves), quotes, backslash, SQL and shell punctuation, a BOM, an emoji. */
const NASTY_CHARACTERS = ['\u0000', '\uD800', '\uDC00', '\uDBFF', '\'', '"', '\\', ';', '--', '/*', '$1', '%', '_', '\n', '\t', ' ', '\uFEFF', '\u{1F600}', 'é', '\u202E'];

/** A string of ordinary and nasty characters; sometimes only nasty ones. */
export const nastyString = (maxLength = 40): fc.Arbitrary<string> => fc.array(fc.oneof(
  {arbitrary: fc.constantFrom(...NASTY_CHARACTERS), weight: 2},
  {arbitrary: fc.string({maxLength: 3, unit: 'binary'}), weight: 3},
), {maxLength}).map((parts) => parts.join(''));

/** Strings that look like SQL someone hoped would run. */
export const sqlLookingString = (): fc.Arbitrary<string> => fc.constantFrom(
  '\'; DROP TABLE maintenance_task; --',
  '" OR 1=1 --',
  'x\'); DELETE FROM scheduled_task; --',
  '$$; SELECT pg_sleep(10); $$',
  'E\'\\x00\'',
  'name\u0000; DROP SCHEMA public CASCADE',
  '%',
  '_',
);

/** A string of `length` characters (a megabyte at most): a huge name, payload or message. */
export const hugeString = (): fc.Arbitrary<string> => fc.tuple(fc.constantFrom('a', 'é', '\u{1F600}', '\u0000', '\uD800'), fc.constantFrom(3_000, 65_536, 1_000_000)).map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

/** A value nested `depth` levels (objects or arrays), built without recursion. */
export const deepValue = (): fc.Arbitrary<unknown> => fc.tuple(fc.constantFrom(999, 1_000, 1_001, 5_000, 100_000), fc.boolean()).map(([depth, asArray]) => {
  let value: unknown = 'bottom';

  for (let level = 0; level < depth; level++) {
    value = asArray ? [value] : {deeper: value};
  }

  return value;
});

/** An object or array that holds itself, directly or one level down. */
export const circularValue = (): fc.Arbitrary<unknown> => fc.constantFrom('object', 'array', 'nested').map((shape) => {
  if (shape === 'array') {
    const array: unknown[] = [1];

    array.push(array);

    return array;
  }

  const object: Record<string, unknown> = {id: 1};

  object.self = shape === 'object' ? object : {parent: object};

  return object;
});

/**
 * What the hostile values' own code (a getter, a `toJSON`) throws. Code under test may let it
 * through as it is: it is the caller's exception, not a failure of Planton's.
 */
export class HostileValueError extends Error {}

/** Gives `value` the description fast-check prints in a counterexample (it would call the getters that throw). */
const describedAs = <T extends object>(description: string, value: T): T => {
  return Object.defineProperty(value, fc.toStringMethod, {enumerable: false, value: () => description});
};

/** Values no JSON holds, one of each kind (and a few that JSON holds but reads back otherwise). */
export const nonJsonLeaf = (): fc.Arbitrary<unknown> => fc.oneof(
  fc.bigInt(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
  fc.constant(() => 1),
  fc.constant(Symbol('fuzz')),
  fc.constant(new Map([['a', 1]])),
  fc.constant(new Set([1])),
  // eslint-disable-next-line no-sparse-arrays -- a sparse array is the point
  fc.constant([1, , 3]),
  fc.constant(Object.create(null) as unknown),
  fc.constant(new Date(Number.NaN)),
  fc.constant(describedAs('{toJSON() { throw }}', {toJSON: () => {
    throw new HostileValueError('toJSON threw');
  }})),
  fc.constant(describedAs('{get boom() { throw }}', Object.defineProperty({}, 'boom', {enumerable: true, get: () => {
    throw new HostileValueError('a getter threw');
  }}))),
);

/** Anything: JSON values, non-JSON values, with hostile strings, at any of these depths and sizes. */
export const hostileValue = (): fc.Arbitrary<unknown> => fc.oneof(
  {arbitrary: fc.anything({maxDepth: 4, stringUnit: 'binary', withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withNullPrototype: true, withObjectString: true, withSet: true, withSparseArray: true, withTypedArray: true}), weight: 6},
  {arbitrary: fc.jsonValue({maxDepth: 3}), weight: 3},
  {arbitrary: nastyString(), weight: 3},
  {arbitrary: nonJsonLeaf(), weight: 3},
  {arbitrary: fc.tuple(nastyString(8), nonJsonLeaf()).map(([key, leaf]) => ({[key]: [leaf]})), weight: 2},
  {arbitrary: circularValue(), weight: 1},
  {arbitrary: deepValue(), weight: 1},
  {arbitrary: hugeString(), weight: 1},
  {arbitrary: fc.constant(Array.from({length: 100_000}, (_value, index) => index)), weight: 1},
);
