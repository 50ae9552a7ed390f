// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
export {applyMysqlMigrations, renderMysqlMigration} from './applyMysqlMigrations.ts';
export type {ApplyMysqlMigrationsConfiguration} from './applyMysqlMigrations.ts';
