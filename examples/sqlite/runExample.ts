import path from 'node:path';
import {createSqliteStore} from '../../src/adapters/sqlite/createSqliteStore.ts';
import type {SqliteClaim} from '../../src/adapters/sqlite/types.ts';
import {createFakeEmailSender} from '../shared/createFakeEmailSender.ts';
import type {RunSummary} from '../shared/formatSummary.ts';
import {runExample as runSharedExample} from '../shared/runExample.ts';
import {countRemainingWork} from './countRemainingWork.ts';
import {createExampleDatabase} from './createExampleDatabase.ts';
import {createPurgeSoftDeletedTask} from './createPurgeSoftDeletedTask.ts';
import {createSendUserEmailTask} from './createSendUserEmailTask.ts';
import type {SqliteExampleOptions} from './parseOptions.ts';
import {seedUserAccounts} from './seedUserAccounts.ts';
import {verifyDatabase} from './verifyDatabase.ts';

/**
 * The example (examples/shared/runExample.ts) on a SQLite file, deleted and created again: the
 * example's own connection holds its table, the handlers' statements and the progress counts;
 * the store opens its own. Rows inserted by another process wake the tasks within the store's
 * pollInterval (250 ms).
 */
export const runExample = async ({options, signal, stderr, stdout}: {
  readonly options: SqliteExampleOptions;
  readonly signal: AbortSignal;
  readonly stderr: NodeJS.WriteStream;
  readonly stdout: NodeJS.WriteStream;
}): Promise<RunSummary> => await runSharedExample<SqliteClaim<number>>({
  backend: {
    label: `SQLite file ${path.resolve(options.file)}`,
    name: 'sqlite',
    prepare: async ({users}) => {
      const database = createExampleDatabase(options.file);

      try {
        const store = await createSqliteStore<number>({filename: options.file});

        return {
          close: () => {
            database.close();
          },
          countRemainingWork: () => countRemainingWork(database),
          emailTask: createSendUserEmailTask({database, sender: createFakeEmailSender()}),
          purgeTask: createPurgeSoftDeletedTask({database}),
          seed: seedUserAccounts(database, {users}),
          store,
          verifyDatabase: ({seed, taskNames}) => verifyDatabase(database, {seed, tablePrefix: store.tablePrefix, taskNames}),
        };
      } catch (error) {
        database.close();
        throw error;
      }
    },
    table: 'user_account',
  },
  options,
  signal,
  stderr,
  stdout,
});
