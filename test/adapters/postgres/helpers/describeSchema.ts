import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';

const row = z.record(z.string(), z.unknown());

/**
 * What a schema holds, comparable between two schemas: columns (type, nullability, default),
 * constraints, indexes, functions, and the rows of its migrations tables (version, name,
 * checksum). The schema's own name is replaced by `<schema>` wherever a definition spells it.
 */
export const describeSchema = async (pool: DatabasePool, schema: string) => {
  const masked = (expression: ReturnType<typeof sql.fragment>) => sql.fragment`replace(${expression}, ${schema}, '<schema>')`;
  const describe = async (query: ReturnType<typeof sql.fragment>) => await pool.any(sql.type(row)`${query}`);

  const columns = await describe(sql.fragment`
    SELECT table_name::text AS table, column_name::text AS column, data_type::text AS type, is_nullable::text AS nullable, ${masked(sql.fragment`column_default::text`)} AS default
    FROM information_schema.columns
    WHERE table_schema = ${schema}
    ORDER BY table_name, ordinal_position
  `);
  const constraints = await describe(sql.fragment`
    SELECT c.relname::text AS table, k.conname::text AS name, ${masked(sql.fragment`pg_get_constraintdef(k.oid)`)} AS definition
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema}
    ORDER BY c.relname, k.conname
  `);
  const indexes = await describe(sql.fragment`
    SELECT indexname::text AS name, ${masked(sql.fragment`indexdef`)} AS definition
    FROM pg_indexes
    WHERE schemaname = ${schema}
    ORDER BY indexname
  `);
  const functions = await describe(sql.fragment`
    SELECT p.proname::text AS name, pg_get_function_identity_arguments(p.oid) AS arguments, ${masked(sql.fragment`pg_get_functiondef(p.oid)`)} AS definition
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = ${schema}
    ORDER BY p.proname
  `);
  const migrations: Record<string, readonly unknown[]> = {};

  for (const table of ['planton_migration', 'planton_scheduler_migration']) {
    if (columns.some((column) => column.table === table)) {
      migrations[table] = await describe(sql.fragment`SELECT version, name, checksum FROM ${sql.identifier([schema, table])} ORDER BY version`);
    }
  }

  return {columns, constraints, functions, indexes, migrations};
};
