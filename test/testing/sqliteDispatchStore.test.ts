/** The dispatch store kit on the SQLite store, each test on a database file of its own under os.tmpdir(). */
import test from 'ava';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {DatabaseSync} from 'node:sqlite';
import {createSqliteStore} from '../../src/adapters/sqlite/createSqliteStore.ts';
import type {SqliteClaim} from '../../src/adapters/sqlite/types.ts';
import {defineDispatchStoreTests} from '../../src/testing/index.ts';

defineDispatchStoreTests<SqliteClaim<string>>({
  createStore: async ({clock}) => {
    const directory = await mkdtemp(path.join(tmpdir(), 'planton-sqlite-kit-'));
    const filename = path.join(directory, 'planton.db');
    // The user's side: a table of pending work, on a connection of its own.
    const work = new DatabaseSync(filename, {timeout: 10_000});

    work.exec('PRAGMA journal_mode = WAL; CREATE TABLE work (position integer PRIMARY KEY, instruction text NOT NULL UNIQUE)');

    const openStore = async () => await createSqliteStore<string>({clock, filename, heartbeatInterval: 3_600_000, pollInterval: 0, reaperInterval: 0});

    return {
      addInstructions: async (instructions) => {
        const insert = work.prepare('INSERT INTO work (instruction) VALUES (?)');

        for (const instruction of instructions) {
          insert.run(instruction);
        }
      },
      claim: ({isActiveInstruction, limit, query}) => query(`SELECT w.instruction FROM work w WHERE NOT ${isActiveInstruction('w.instruction')} ORDER BY w.position LIMIT ?`, limit).map((row) => String(row.instruction)),
      claimEvery: ({query}) => query('SELECT instruction FROM work ORDER BY position').map((row) => String(row.instruction)),
      cleanup: async () => {
        work.close();
        await rm(directory, {force: true, recursive: true});
      },
      openStore,
      store: await openStore(),
    };
  },
  createUnreachableStore: async () => await createSqliteStore({filename: path.join(tmpdir(), 'planton-no-such-directory', 'missing', 'planton.db')}),
  name: 'sqlite',
  test,
});
