/**
 * The MySQL/MariaDB set-up of the tests that need a server (PLANTON_TEST_MYSQL_URL): pools on it,
 * ended after the file's tests, and a fresh database per test, dropped at its teardown, so tests
 * run in parallel on one server.
 */
import {randomUUID} from 'node:crypto';
import test from 'ava';
import {createPool, type Pool} from 'mysql2/promise';

/** A pool on `url` (a mysql:// URL), ended after the file's tests. */
export const createTestPool = (url: string, connectionLimit = 8): Pool => {
  const pool = createPool({connectionLimit, uri: url});

  test.after.always(async () => {
    await pool.end();
  });

  return pool;
};

/** A fresh database (or table prefix) name: letters, digits and `_`, with a random suffix. */
export const createMysqlName = (stem = 'planton_test') => {
  return `${stem}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
};

/** A fresh database name for the test, dropped from `pool` at its teardown. */
export const useFreshDatabase = (t: {readonly teardown: (callback: () => Promise<void>) => void}, pool: Pool): string => {
  const database = createMysqlName();

  t.teardown(async () => {
    await pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
  });

  return database;
};
