import {PGlite} from '@electric-sql/pglite';
import test from 'ava';
import {createPool, sql} from 'slonik';
import {z} from 'zod';
import {createPgliteDriverFactory} from '../../../src/adapters/pglite/createPgliteDriverFactory.ts';
import {createPglitePool} from '../../../src/adapters/pglite/createPglitePool.ts';
import {getTaskChannel} from '../../../src/adapters/postgres/getTaskChannel.ts';

test('getTaskChannel gives short, unquoted, schema-specific channel names for any task name', (t) => {
  const cases = ['send_user_email', `x'); DROP TABLE y;-- "ü" 🚀`, 'a'.repeat(500), ''];

  for (const taskName of cases) {
    t.regex(getTaskChannel('planton', taskName), /^planton_[\da-f]{32}$/v);
    t.is(getTaskChannel('planton', taskName), getTaskChannel('planton', taskName));
    t.not(getTaskChannel('planton', taskName), getTaskChannel('other', taskName));
  }

  t.not(getTaskChannel('a', 'b\u0000c'), getTaskChannel('a\u0000b', 'c'));
});

test('the PGlite driver gives slonik the values the pg driver gives, and refuses a pool of more than one connection', async (t) => {
  const pglite = await PGlite.create();
  const pool = await createPglitePool({pglite});

  t.teardown(async () => {
    await pool.end();
    await pglite.close();
  });

  const row = await pool.one(sql.type(z.object({
    array: z.array(z.string()),
    big: z.bigint(),
    json: z.unknown(),
    text: z.string(),
    time: z.number(),
  }))`
    SELECT
      ${sql.jsonb({quote: `it's "x"`, list: [1, 'two']})}::jsonb AS json,
      ${sql.array([`a"b`, 'c,d', `e\\f`, '{g}'], 'text')}::text[] AS array,
      9007199254740993::int8 AS big,
      'timestamptz 2030-01-01T00:00:00Z'::text AS text,
      '2030-01-01T00:00:00Z'::timestamptz AS time
  `);

  t.deepEqual(row, {
    array: [`a"b`, 'c,d', `e\\f`, '{g}'],
    big: 9_007_199_254_740_993n,
    json: {list: [1, 'two'], quote: `it's "x"`},
    text: 'timestamptz 2030-01-01T00:00:00Z',
    time: Date.parse('2030-01-01T00:00:00Z'),
  });

  // One statement per query, as with the pg driver's extended protocol.
  await t.throwsAsync(pool.query(sql.type(z.object({}))`SELECT 1; SELECT 2`), {message: /multiple commands/v});
  await t.throwsAsync(createPool('postgres://pglite/pglite', {driverFactory: createPgliteDriverFactory({pglite}), maxPoolSize: 2}), {code: 'INVALID_STORE_CONFIGURATION'});
});
