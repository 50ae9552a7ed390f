/** One migration: the file `migrations/<dialect>/<component>/<version>-<name>.sql`, read. */
export type Migration = {
  /** sha256 of the file's bytes, in hex: what the migrations table records, and compares at each start. */
  readonly checksum: string;
  /** The file's name, e.g. `0002-combined-claim-check.sql`. */
  readonly file: string;
  /** The file's SQL: plain statements, as `psql -f` takes them, with unqualified names. */
  readonly text: string;
  /** 1, 2, 3, …: the number the file name starts with. */
  readonly version: number;
};

/** A row of a migrations table: a version applied, and the checksum of its file then. */
export type AppliedMigration = {
  readonly checksum: string;
  readonly version: number;
};
