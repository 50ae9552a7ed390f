import {applySchedulerMigrations} from '../scheduler/postgres/applySchedulerMigrations.ts';
import type {Output} from './createOutput.ts';
import {openDatabase} from './openDatabase.ts';
import {readMigrationVersion} from './readMigrationVersion.ts';

export type MigrateConfiguration = {
  readonly databaseUrl?: string;
  readonly dataDirectory: string;
  readonly json: boolean;
  readonly output: Output;
  readonly schema: string;
};

/** `planton migrate`: applies the scheduler's missing migrations (what `planton serve` does at start) and says which version the schema is at. */
export const runMigrate = async ({databaseUrl, dataDirectory, json, output, schema}: MigrateConfiguration): Promise<void> => {
  const database = await openDatabase({dataDirectory, databaseUrl});

  try {
    const before = await readMigrationVersion({pool: database.pool, schema});

    await applySchedulerMigrations({pool: database.pool, schema});

    const version = await readMigrationVersion({pool: database.pool, schema});

    if (json) {
      output.json({applied: version - before, schema, version});
    } else {
      output.line(`${database.label}, schema ${schema}: ${version === before ? 'up to date' : `applied ${version - before} migration${version - before === 1 ? '' : 's'}`}, at version ${version}`);
    }
  } finally {
    await database.end();
  }
};
