import {MigrationChecksumMismatchError} from '../errors.ts';
import type {AppliedMigration, Migration} from './types.ts';

export type PlanMigrationsConfiguration = {
  /** What the migrations table records. */
  readonly applied: readonly AppliedMigration[];
  /** The migration files, in version order. */
  readonly migrations: readonly Migration[];
  /** The schema (or database) migrated: context for the error. */
  readonly schema: string;
};

/**
 * The migrations still to apply, in version order. Throws `MigrationChecksumMismatchError` when an
 * applied migration's file changed since (every applied one is checked before anything is applied).
 * Versions recorded but unknown here (applied by a newer release) are left alone, so processes of
 * the previous release keep starting beside those of the next.
 */
export const planMigrations = ({applied, migrations, schema}: PlanMigrationsConfiguration): readonly Migration[] => {
  const appliedChecksums = new Map(applied.map((row) => [row.version, row.checksum]));
  const pending: Migration[] = [];

  for (const migration of migrations) {
    const appliedChecksum = appliedChecksums.get(migration.version);

    if (appliedChecksum === undefined) {
      pending.push(migration);
    } else if (appliedChecksum !== migration.checksum) {
      throw new MigrationChecksumMismatchError({appliedChecksum, file: migration.file, fileChecksum: migration.checksum, schema, version: migration.version});
    }
  }

  return pending;
};
