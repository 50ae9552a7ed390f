import {createPostgresStore} from '../../src/adapters/postgres/createPostgresStore.ts';
import type {PostgresClaim} from '../../src/adapters/postgres/types.ts';
import {createFakeEmailSender} from '../shared/createFakeEmailSender.ts';
import type {RunSummary} from '../shared/formatSummary.ts';
import {runExample as runSharedExample} from '../shared/runExample.ts';
import type {Database} from './connectDatabase.ts';
import {countRemainingWork} from './countRemainingWork.ts';
import {createExampleSchema} from './createExampleSchema.ts';
import {createPurgeSoftDeletedTask} from './createPurgeSoftDeletedTask.ts';
import {createSendUserEmailTask} from './createSendUserEmailTask.ts';
import type {ExampleOptions} from './parseOptions.ts';
import {seedUserAccounts} from './seedUserAccounts.ts';
import {verifyDatabase} from './verifyDatabase.ts';

/**
 * The example (examples/shared/runExample.ts) on a connected PostgreSQL or PGlite: the schema
 * `options.schema` (dropped and created again), the seed, and a notify trigger per task so that a
 * row inserted or updated wakes its task at once.
 */
export const runExample = async ({database, options, signal, stderr, stdout}: {
  readonly database: Database;
  readonly options: ExampleOptions;
  readonly signal: AbortSignal;
  readonly stderr: NodeJS.WriteStream;
  readonly stdout: NodeJS.WriteStream;
}): Promise<RunSummary> => {
  const {listener, pool} = database;
  const {schema} = options;

  return await runSharedExample<PostgresClaim<number>>({
    backend: {
      label: database.label,
      name: database.name,
      prepare: async ({users}) => {
        await createExampleSchema(pool, schema);

        const store = await createPostgresStore<number>({listener, pool, schema});
        const seed = await seedUserAccounts(pool, {schema, users});
        const purgeTask = createPurgeSoftDeletedTask({pool, schema});
        const emailTask = createSendUserEmailTask({pool, schema, sender: createFakeEmailSender()});

        for (const task of [purgeTask, emailTask]) {
          await store.installNotifyTrigger({columns: task.notifyColumns, table: [schema, 'user_account'], taskName: task.name});
        }

        return {
          countRemainingWork: async () => await countRemainingWork(pool, schema),
          emailTask,
          purgeTask,
          seed,
          store,
          verifyDatabase: async ({seed: counts, taskNames}) => await verifyDatabase(pool, {schema, seed: counts, taskNames}),
        };
      },
      table: `${schema}.user_account`,
    },
    options,
    signal,
    stderr,
    stdout,
  });
};
