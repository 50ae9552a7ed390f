import {summarizePostgresExecutions} from '../adapters/postgres/summarizePostgresExecutions.ts';
import {createPostgresSchedulerStore} from '../scheduler/postgres/createPostgresSchedulerStore.ts';
import {createScheduler} from '../scheduler/createScheduler.ts';
import {createServer} from '../server/createServer.ts';
import {InsecureHostError} from '../server/errors.ts';
import {isLoopbackHost} from '../server/isLoopbackHost.ts';
import {readTokens} from '../server/readTokens.ts';
import type {Output} from './createOutput.ts';
import {MissingWebhookSecretError} from './errors.ts';
import {openDatabase} from './openDatabase.ts';
import {readWebhookSecret} from './readWebhookSecret.ts';
import {waitForShutdownSignal} from './waitForShutdownSignal.ts';

export type ServeConfiguration = {
  readonly databaseUrl?: string;
  readonly dataDirectory: string;
  /**
   * Schemas of dispatch stores (`createPostgresStore`) in the same database that `GET /v1/dispatch`
   * and the dashboard report on, read-only: no migration, no store loops.
   * @default []
   */
  readonly dispatchSchemas?: readonly string[];
  /** The worker hub's `heartbeatInterval` (milliseconds); its default when absent. */
  readonly heartbeatInterval?: number;
  readonly host: string;
  readonly insecure: boolean;
  /** The worker hub's `leaseDuration` (milliseconds); its default when absent. */
  readonly leaseDuration?: number;
  readonly output: Output;
  readonly port: number;
  readonly schema: string;
  /**
   * Milliseconds the shutdown after SIGINT/SIGTERM may take before the process exits anyway (code 1).
   * @default 15000
   */
  readonly shutdownTimeout?: number;
  /** Where failure notifications are POSTed, signed with the secret `readWebhookSecret` finds. */
  readonly webhookUrls?: readonly string[];
};

/** Anything a failed start-up opened, closed in reverse order; each step's failure is reported, not thrown. */
const closeAll = async (steps: ReadonlyArray<() => Promise<unknown>>, output: Output) => {
  for (const step of steps.toReversed()) {
    try {
      await step();
    } catch (error) {
      output.note(`error: while closing: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
};

/**
 * `planton serve`: applies the scheduler's migrations, starts a scheduler and the HTTP server over it,
 * prints the URL, and on SIGINT or SIGTERM closes the server (requests in flight finish), the
 * scheduler (running jobs get its terminate timeout) and the database, within `shutdownTimeout`.
 * Resolves once shut down.
 */
export const runServe = async (configuration: ServeConfiguration): Promise<void> => {
  const {databaseUrl, dataDirectory, dispatchSchemas = [], heartbeatInterval, host, insecure, leaseDuration, output, port, schema, shutdownTimeout = 15_000, webhookUrls = []} = configuration;
  const tokens = await readTokens();
  const secret = webhookUrls.length === 0 ? null : await readWebhookSecret();

  if (webhookUrls.length > 0 && secret === null) {
    throw new MissingWebhookSecretError();
  }

  const webhooks = secret === null ? [] : webhookUrls.map((url) => ({secret, url}));

  // Before the database is opened: PGlite takes seconds to start.
  if (tokens.length === 0 && !insecure && !isLoopbackHost(host)) {
    throw new InsecureHostError(host);
  }

  const opened: Array<() => Promise<unknown>> = [];
  const database = await openDatabase({dataDirectory, databaseUrl});

  opened.push(database.end);

  let server: ReturnType<typeof createServer>;
  let url: string;

  try {
    const store = await createPostgresSchedulerStore({pool: database.pool, schema});
    const scheduler = await createScheduler({store});

    opened.push(scheduler.terminate);
    scheduler.events.on('error', ({error, taskName}) => {
      output.note(`error: ${(error as {code?: string}).code ?? error.name}: ${error.message}${taskName === null ? '' : ` (task ${taskName})`}`);
    });
    server = createServer({
      auth: {tokens},
      dispatchStores: dispatchSchemas.map((dispatchSchema) => ({
        name: dispatchSchema,
        store: {summarizeExecutions: async (summary) => await summarizePostgresExecutions({...summary, connection: database.pool, schema: dispatchSchema})},
      })),
      insecure,
      scheduler,
      webhooks,
      // Absent options keep the hub's defaults (an explicit `undefined` would be refused).
      workerHub: {...leaseDuration === undefined ? {} : {leaseDuration}, ...heartbeatInterval === undefined ? {} : {heartbeatInterval}},
    });
    opened.push(server.close);
    ({url} = await server.listen({host, port}));
  } catch (error) {
    await closeAll(opened, output);

    throw error;
  }

  // One write: whoever reads the URL line has the database line too.
  output.line(`planton serve: listening on ${url}\n  database: ${database.label}, schema ${schema}; ${tokens.length === 0 ? 'no tokens (open to anyone who reaches it)' : `${tokens.length} token${tokens.length === 1 ? '' : 's'}`}${webhooks.length === 0 ? '' : `; ${webhooks.length} webhook${webhooks.length === 1 ? '' : 's'}`}`);

  const signal = await waitForShutdownSignal({command: 'planton serve', output, shutdownTimeout});

  output.line(`planton serve: ${signal}, shutting down`);
  await closeAll(opened, output);
  output.line('planton serve: stopped');
};
