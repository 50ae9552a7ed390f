import {type IdentifierSqlToken, sql} from 'slonik';

/** Objects of one schema as slonik identifiers, under the keys code uses, beside the schema's name. */
export type SchemaIdentifiers<Key extends string> = {readonly [Name in Key]: IdentifierSqlToken} & {
  /** The schema's name: advisory locks take hashtext(schema) as their second key. */
  readonly schema: string;
};

/**
 * `names` (key → the name of a table or function) qualified with `schema`, as slonik identifiers:
 * what queries interpolate, so a schema name is never concatenated into SQL. The store and the
 * scheduler each call it with their objects' names.
 */
export const createSchemaIdentifiers = <const Names extends Readonly<Record<string, string>>>(schema: string, names: Names): SchemaIdentifiers<Extract<keyof Names, string>> => {
  const identifiers = Object.fromEntries(Object.entries(names).map(([key, name]) => [key, sql.identifier([schema, name])]));

  return {...identifiers, schema} as SchemaIdentifiers<Extract<keyof Names, string>>;
};
