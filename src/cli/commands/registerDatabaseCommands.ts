import {type Command, InvalidArgumentError, Option} from 'commander';
import {parseDuration} from '../../scheduler/parseDuration.ts';
import {DEFAULT_PORT} from '../../server/createServer.ts';
import type {Output} from '../createOutput.ts';

/** Where `planton serve` and `planton migrate` keep PGlite when given no database URL. */
export const DEFAULT_DATA_DIRECTORY = './.planton';

type DatabaseOptions = {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly schema: string;
};

type ServeOptions = DatabaseOptions & {
  readonly dispatchSchema: readonly string[];
  readonly heartbeatInterval?: number;
  readonly host: string;
  readonly insecure: boolean;
  readonly leaseDuration?: number;
  readonly port: number;
  readonly webhookUrl: readonly string[];
};

const parsePort = (value: string): number => {
  const port = Number(value);

  if (!/^\d{1,5}$/u.test(value) || port > 65_535) {
    throw new InvalidArgumentError('Expected a port from 0 to 65535 (0 picks a free one).');
  }

  return port;
};

/** A duration such as `30s`, `1m30s` or `500ms` (a bare number is milliseconds), > 0. */
const parsePositiveDuration = (value: string): number => {
  const milliseconds = /^\d+$/u.test(value) ? Number(value) : parseDuration(value);

  if (milliseconds === null || !Number.isSafeInteger(milliseconds) || milliseconds <= 0) {
    throw new InvalidArgumentError('Expected a duration > 0 such as `30s`, `1m30s` or `500ms` (a bare number is milliseconds).');
  }

  return milliseconds;
};

/** An `http:` or `https:` URL; repeated, the URLs add up. */
const collectWebhookUrl = (value: string, previous: readonly string[]): readonly string[] => {
  if (!URL.canParse(value) || !['http:', 'https:'].includes(new URL(value).protocol)) {
    throw new InvalidArgumentError('Expected an http: or https: URL.');
  }

  return [...previous, value];
};

/** A PostgreSQL schema name (1 to 63 bytes); repeated, the names add up. */
const collectSchemaName = (value: string, previous: readonly string[]): readonly string[] => {
  if (value === '' || Buffer.byteLength(value) > 63) {
    throw new InvalidArgumentError('Expected a PostgreSQL schema name of 1 to 63 bytes.');
  }

  return previous.includes(value) ? previous : [...previous, value];
};

const addDatabaseOptions = (command: Command): Command => {
  return command
    .addOption(new Option('--database-url <url>', 'PostgreSQL server to use (default: PGlite in --data-dir)').env('PLANTON_DATABASE_URL'))
    .option('--data-dir <path>', 'where PGlite keeps its files when there is no database URL', DEFAULT_DATA_DIRECTORY)
    .option('--schema <name>', 'the PostgreSQL schema of Planton\'s tables', 'planton');
};

/** `planton serve` and `planton migrate`: the commands that open the database themselves. */
export const registerDatabaseCommands = (program: Command, output: Output): void => {
  addDatabaseOptions(program.command('serve').description('run the HTTP API and the scheduler (migrations first) until SIGINT/SIGTERM'))
    .option('--port <port>', 'port to listen on; 0 picks a free one', parsePort, DEFAULT_PORT)
    .option('--host <host>', 'address to listen on; beyond loopback, tokens (PLANTON_TOKENS, PLANTON_TOKENS_FILE) or --insecure are required', '127.0.0.1')
    .option('--insecure', 'listen beyond loopback without tokens: anyone who reaches it may change tasks and jobs', false)
    .addOption(new Option('--lease-duration <duration>', 'how long a remote worker keeps its jobs after its last message (30s, 1m, …; default 30s)').env('PLANTON_LEASE_DURATION').argParser(parsePositiveDuration))
    .addOption(new Option('--heartbeat-interval <duration>', 'how often remote workers send a heartbeat (default: a third of the lease)').env('PLANTON_HEARTBEAT_INTERVAL').argParser(parsePositiveDuration))
    .option('--webhook-url <url>', 'POST failure notifications there, signed with PLANTON_WEBHOOK_SECRET or PLANTON_WEBHOOK_SECRET_FILE (repeatable)', collectWebhookUrl, [])
    .option('--dispatch-schema <name>', 'show the dispatch store (createPostgresStore) of this schema of the same database on the dashboard, read-only (repeatable)', collectSchemaName, [])
    .action(async (options: ServeOptions) => {
      // Loaded here: the client commands start without PGlite, slonik and Fastify.
      const {runServe} = await import('../runServe.ts');

      await runServe({
        databaseUrl: options.databaseUrl,
        dataDirectory: options.dataDir,
        dispatchSchemas: options.dispatchSchema,
        heartbeatInterval: options.heartbeatInterval,
        host: options.host,
        insecure: options.insecure,
        leaseDuration: options.leaseDuration,
        output,
        port: options.port,
        schema: options.schema,
        webhookUrls: options.webhookUrl,
      });
    });

  addDatabaseOptions(program.command('migrate').description('apply the scheduler\'s missing migrations (serve does it at start too)'))
    .option('--json', 'print {applied, schema, version}', false)
    .action(async (options: DatabaseOptions & {readonly json: boolean}) => {
      const {runMigrate} = await import('../runMigrate.ts');

      await runMigrate({databaseUrl: options.databaseUrl, dataDirectory: options.dataDir, json: options.json, output, schema: options.schema});
    });
};
