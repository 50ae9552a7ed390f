/**
 * The text of schema.sql: every PostgreSQL migration of the store and of the scheduler, in order,
 * each component with the table that records its migrations and the rows the runner would have
 * written there. `npm run schema` writes it; test/adapters/postgres/schema.test.ts checks the
 * committed file is what this returns.
 */
import {sql} from 'slonik';
import {STORE_MIGRATIONS} from '../src/adapters/postgres/applyMigrations.ts';
import {createMigrationTable, type PostgresMigrationComponent} from '../src/adapters/postgres/applyPostgresMigrations.ts';
import {readMigrations} from '../src/adapters/migrations/readMigrations.ts';
import {SCHEDULER_MIGRATIONS} from '../src/scheduler/postgres/applySchedulerMigrations.ts';

const COMPONENTS: readonly PostgresMigrationComponent[] = [STORE_MIGRATIONS, SCHEDULER_MIGRATIONS];

const HEADER = `-- Planton's PostgreSQL schema: every table of the store (planton/postgres) and of the scheduler
-- (planton/scheduler). PostgreSQL 14 or newer; PGlite included.
--
-- GENERATED from migrations/postgres/ by \`npm run schema\`: do not edit it; add a migration there
-- instead (a test fails while this file and the migrations disagree).
--
-- \`psql --single-transaction -f schema.sql\` applies it to an empty schema (the first of the
-- search_path), together with the tables that record which migrations it holds: createPostgresStore
-- and createPostgresSchedulerStore given that schema find it up to date and apply only what later
-- releases add. They also create all of it themselves when the schema is empty.
--
-- Each migration is copied byte for byte (databases record its checksum), comments included: the
-- store's version 1 was schema.sql itself before the migrations moved to migrations/postgres/.`;

const renderComponent = async ({name: component, table}: PostgresMigrationComponent): Promise<string[]> => {
  const migrations = await readMigrations({component, dialect: 'postgres'});
  const identifier = sql.identifier([table]);
  const records = migrations.map((migration) => `(${migration.version}, ${sql.literalValue(migration.file).sql}, ${sql.literalValue(migration.checksum).sql})`);

  return [
    `-- ${component}: the table recording its migrations\n\n${createMigrationTable(identifier).sql};`,
    ...migrations.map((migration) => `-- ${component}, version ${migration.version}: migrations/postgres/${component}/${migration.file}\n\n${migration.text.trim()}`),
    `-- ${component}: the migrations above, recorded\n\n${sql.fragment`INSERT INTO ${identifier} (version, name, checksum) VALUES`.sql}\n  ${records.join(',\n  ')};`,
  ];
};

export const renderSchema = async (): Promise<string> => {
  const sections = [HEADER];

  for (const component of COMPONENTS) {
    sections.push(...await renderComponent(component));
  }

  return `${sections.join('\n\n')}\n`;
};
