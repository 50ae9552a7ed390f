import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import type {SqliteClaim} from '../../../../src/adapters/sqlite/types.ts';

/** A database file in a fresh directory under os.tmpdir(), removed (with its WAL files) at the test's teardown. */
export const createTemporaryDatabase = (t: {readonly teardown: (callback: () => void) => void}): {readonly directory: string; readonly filename: string} => {
  const directory = mkdtempSync(path.join(tmpdir(), 'planton-sqlite-'));

  t.teardown(() => {
    rmSync(directory, {force: true, recursive: true});
  });

  return {directory, filename: path.join(directory, 'planton.db')};
};

/** A table of work items `item(id, processed_count)` with `count` rows, in the file. */
export const createItems = (filename: string, count: number): void => {
  const database = new DatabaseSync(filename, {timeout: 10_000});

  try {
    database.exec('PRAGMA journal_mode = WAL');
    database.exec('CREATE TABLE item (id integer PRIMARY KEY, processed_count integer NOT NULL DEFAULT 0)');
    database.prepare('WITH RECURSIVE n (id) AS (SELECT 1 WHERE ?1 >= 1 UNION ALL SELECT id + 1 FROM n WHERE id < ?1) INSERT INTO item (id) SELECT id FROM n').run(count);
  } finally {
    database.close();
  }
};

/** Claims unprocessed items that have no RUNNING execution, in id order. */
export const itemClaim: SqliteClaim<number> = ({isActiveInstruction, limit, query}) => {
  return query(`SELECT i.id FROM item i WHERE i.processed_count = 0 AND NOT ${isActiveInstruction('i.id')} ORDER BY i.id LIMIT ?`, limit).map((row) => Number(row.id));
};
