import test from 'ava';
import {planMigrations} from '../../../src/adapters/migrations/planMigrations.ts';
import type {AppliedMigration, Migration} from '../../../src/adapters/migrations/types.ts';

const migration = (version: number): Migration => ({checksum: `sum${version}`, file: `000${version}-step.sql`, text: `-- ${version}`, version});
const migrations = [migration(1), migration(2), migration(3)];
const applied = (...versions: number[]): AppliedMigration[] => versions.map((version) => ({checksum: `sum${version}`, version}));

const cases: Array<[string, readonly AppliedMigration[], readonly number[]]> = [
  ['an empty schema gets every migration, in order', [], [1, 2, 3]],
  ['a schema at version 1 gets the rest', applied(1), [2, 3]],
  ['a schema with every version gets none', applied(1, 2, 3), []],
  ['a version missing in the middle is applied too', applied(1, 3), [2]],
  ['versions applied by a newer release are left alone', applied(1, 2, 3, 4), []],
  ['the order of the rows does not matter', applied(2, 1), [3]],
];

for (const [title, appliedMigrations, pending] of cases) {
  test(title, (t) => {
    t.deepEqual(planMigrations({applied: appliedMigrations, migrations, schema: 'planton'}).map(({version}) => version), pending);
  });
}

test('an applied migration whose file changed is refused with MIGRATION_CHECKSUM_MISMATCH, before anything is applied', (t) => {
  const error = t.throws(() => planMigrations({applied: [{checksum: 'sum1', version: 1}, {checksum: 'edited', version: 2}], migrations, schema: 'planton'}));

  t.like(error, {appliedChecksum: 'edited', code: 'MIGRATION_CHECKSUM_MISMATCH', file: '0002-step.sql', fileChecksum: 'sum2', name: 'MigrationChecksumMismatchError', schema: 'planton', version: 2});
  t.is(error?.message, 'Migration 2 (`0002-step.sql`) applied to schema `planton` had checksum edited; the file now has sum2. Restore the file and add a new migration instead.');
});
