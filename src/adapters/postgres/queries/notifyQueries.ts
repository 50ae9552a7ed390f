/** NOTIFY: wake task channels now, or install a trigger that notifies one when a table's rows change. */
import {sql} from 'slonik';
import type {QueryMethods} from '../createPreparedStatements.ts';
import type {Tables} from './createTables.ts';
import {empty} from './rows.ts';

export const notifyChannels = async (connection: QueryMethods, channels: readonly string[]): Promise<void> => {
  await connection.query(sql.type(empty)`
    SELECT pg_notify(channel, '') FROM unnest(${sql.array(channels, 'text')}) AS channel
  `);
};

/**
 * A row trigger named after the channel: notify_maintenance_task() notifies TG_NAME, so the task's
 * name never appears in the trigger's SQL. CREATE OR REPLACE makes it idempotent (PostgreSQL 14+).
 */
export const createNotifyTrigger = async (
  connection: QueryMethods,
  tables: Tables,
  {channel, columns, table}: {readonly channel: string; readonly columns: readonly string[]; readonly table: readonly string[]},
): Promise<void> => {
  const update = columns.length === 0 ?
    sql.fragment`UPDATE` :
    sql.fragment`UPDATE OF ${sql.join(columns.map((column) => sql.identifier([column])), sql.fragment`, `)}`;

  await connection.query(sql.type(empty)`
    CREATE OR REPLACE TRIGGER ${sql.identifier([channel])}
    AFTER INSERT OR ${update} ON ${sql.identifier(table)}
    FOR EACH ROW EXECUTE FUNCTION ${tables.notifyFunction}()
  `);
};
