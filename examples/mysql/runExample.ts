import {createMysqlStore} from '../../src/adapters/mysql/createMysqlStore.ts';
import type {MysqlClaim} from '../../src/adapters/mysql/types.ts';
import {createFakeEmailSender} from '../shared/createFakeEmailSender.ts';
import type {RunSummary} from '../shared/formatSummary.ts';
import {runExample as runSharedExample} from '../shared/runExample.ts';
import type {ExampleOptions} from '../postgres/parseOptions.ts';
import type {MysqlDatabase} from './connectDatabase.ts';
import {countRemainingWork} from './countRemainingWork.ts';
import {createExampleSchema} from './createExampleSchema.ts';
import {createPurgeSoftDeletedTask} from './createPurgeSoftDeletedTask.ts';
import {createSendUserEmailTask} from './createSendUserEmailTask.ts';
import {seedUserAccounts} from './seedUserAccounts.ts';
import {verifyDatabase} from './verifyDatabase.ts';

/** How often the tasks are woken to look for new rows: MySQL has no notifications. */
const POLL_INTERVAL = 250;

/**
 * The example (examples/shared/runExample.ts) on MySQL/MariaDB: `options.schema` names the
 * database, dropped and created again. New rows are found by polling (POLL_INTERVAL).
 */
export const runExample = async ({database: connection, options, signal, stderr, stdout}: {
  readonly database: MysqlDatabase;
  readonly options: ExampleOptions;
  readonly signal: AbortSignal;
  readonly stderr: NodeJS.WriteStream;
  readonly stdout: NodeJS.WriteStream;
}): Promise<RunSummary> => {
  const {pool} = connection;
  const database = options.schema;

  return await runSharedExample<MysqlClaim<number>>({
    backend: {
      label: connection.label,
      name: 'mysql',
      prepare: async ({users}) => {
        await createExampleSchema(pool, database);

        const store = await createMysqlStore<number>({database, pollInterval: POLL_INTERVAL, pool});

        return {
          countRemainingWork: async () => await countRemainingWork(pool, database),
          emailTask: createSendUserEmailTask({database, pool, sender: createFakeEmailSender()}),
          purgeTask: createPurgeSoftDeletedTask({database, pool}),
          seed: await seedUserAccounts(pool, {database, users}),
          store,
          verifyDatabase: async ({seed, taskNames}) => await verifyDatabase(pool, {database, seed, taskNames}),
        };
      },
      table: `${database}.user_account`,
    },
    options,
    signal,
    stderr,
    stdout,
  });
};
