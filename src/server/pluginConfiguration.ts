import type {Clock} from '../planton/types.ts';
import type {Scheduler} from '../scheduler/createScheduler.ts';
import type {AuthConfiguration} from './createAuth.ts';
import type {DispatchStoreEntry} from './createDispatchSummaryReader.ts';
import type {WorkerHubConfiguration} from './createWorkerHub.ts';
import type {WebhookConfiguration, WebhookNotifierConfiguration} from './createWebhookNotifier.ts';
import {InvalidServerConfigurationError} from './errors.ts';

/** What `createPlantonPlugin` takes: everything Planton serves, wherever it is mounted. */
export type PlantonPluginConfiguration = {
  /**
   * The bearer tokens the server accepts (see `readTokens` for the environment and file format).
   * Without any, every request is allowed (and `createServer`'s `listen` refuses hosts other than
   * loopback unless `insecure`).
   * @default {tokens: []}
   */
  readonly auth?: AuthConfiguration;
  /**
   * Largest request body in bytes on Planton's routes (and WebSocket frame, when Planton registers
   * `@fastify/websocket`); a larger one gets 413 `PAYLOAD_TOO_LARGE`.
   * @default 1048576 (1 MiB)
   */
  readonly bodyLimit?: number;
  /**
   * Where `DELETE /v1/jobs?olderThan=30d` counts back from and webhook retries wait; give the scheduler's.
   * @default the system clock
   */
  readonly clock?: Clock;
  /**
   * The web dashboard at the plugin's root (docs/dashboard.md): `assetsDirectory`, where its built
   * files are (by default `dist/dashboard` of this package, made by `npm run build`), and
   * `sessionDuration`, the milliseconds a sign-in lasts. `false` serves no page
   * (`/dashboard/session` and `/v1/overview` stay).
   * @default {assetsDirectory: dist/dashboard, sessionDuration: 43200000 (12 h)}
   */
  readonly dashboard?: false | {readonly assetsDirectory?: string; readonly sessionDuration?: number};
  /**
   * Adds prom-client's process metrics (CPU, memory, event-loop lag) to `/metrics`.
   * @default true
   */
  readonly defaultMetrics?: boolean;
  /**
   * Dispatch stores (`createPostgresStore`, `createMemoryStore`, … or `{summarizeExecutions}` alone,
   * e.g. `summarizePostgresExecutions` on a pool and schema) that `GET /v1/dispatch` and the
   * dashboard report on: `{name, store, timeout?}`, `timeout` the milliseconds a store's summary may
   * take (default 5000). Planton does not terminate them.
   * @default []
   */
  readonly dispatchStores?: readonly DispatchStoreEntry[];
  /**
   * Milliseconds between two reads of a job and its log while `GET /v1/jobs/:id/logs/stream` follows it.
   * @default 1000
   */
  readonly logStreamInterval?: number;
  /**
   * Milliseconds between two reads of the overview while some `GET /v1/overview/stream` is open (one
   * read for all of them; a job of this process that ends, or a worker that comes, goes or is given a
   * job, wakes it sooner). Jobs run by other instances show within it.
   * @default 1000
   */
  readonly overviewStreamInterval?: number;
  /**
   * Most `GET /v1/overview/stream` connections open at once; one more gets 503 `TOO_MANY_SUBSCRIBERS`.
   * @default 1000
   */
  readonly overviewStreamMaxSubscribers?: number;
  /**
   * The API's base URL as receivers of webhooks reach it (`https://planton.example.com/planton`), for the links in their bodies.
   * @default the address the Fastify server listens on, and the plugin's prefix
   */
  readonly publicUrl?: string;
  /**
   * Requests per token and window on `/v1` and `/metrics`; more get 429 `RATE_LIMITED`. Requests
   * without a valid token (401 included), and every request when no token is configured, count per
   * client address. `false` turns the limit off.
   * @default {max: 1200, timeWindow: 60000}
   */
  readonly rateLimit?: false | {readonly max: number; readonly timeWindow: number};
  /**
   * What `/ready` awaits: it answers 503 `STORE_UNREACHABLE` when this rejects or outlasts `readinessTimeout`.
   * @default one read of the store, `scheduler.getJob(0)`
   */
  readonly readinessCheck?: () => Promise<unknown>;
  /**
   * Milliseconds `readinessCheck` may take.
   * @default 5000
   */
  readonly readinessTimeout?: number;
  /** The scheduler the API drives; Planton does not terminate it. */
  readonly scheduler: Scheduler;
  /**
   * Failure notifications: each `{url, secret, events?, taskNames?}` gets a signed POST when a job of
   * this process fails an attempt, times out or fails for good (see docs/server.md#failure-notifications).
   * @default []
   */
  readonly webhooks?: readonly WebhookConfiguration[];
  /**
   * How webhooks are delivered: `{attempts, backoff, concurrency, maxPending, maxTrackedJobs, timeout}`.
   * @default {attempts: 5, backoff: {initialDelay: 1000, maxDelay: 60000}, concurrency: 4, maxPending: 1000, maxTrackedJobs: 10000, timeout: 10000}
   */
  readonly webhookOptions?: Omit<WebhookNotifierConfiguration, 'clock' | 'events' | 'getBaseUrl' | 'webhooks'>;
  /**
   * The hub of remote workers (WebSocket upgrades of `/v1/workers`): `{leaseDuration,
   * heartbeatInterval, registrationRetryInterval, rememberedAttempts}` (see `createWorkerHub`); it
   * uses the plugin's `clock` and `scheduler`.
   * @default {}
   */
  readonly workerHub?: Omit<WorkerHubConfiguration, 'clock' | 'scheduler'>;
};

const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;

/** Throws `INVALID_SERVER_CONFIGURATION` for the first option out of range; `options` are `[name, value]` pairs. */
export const assertPositiveIntegers = (options: ReadonlyArray<readonly [string, unknown]>): void => {
  for (const [option, value] of options) {
    if (!isPositiveInteger(value)) {
      throw new InvalidServerConfigurationError(option, 'an integer >= 1', value);
    }
  }
};

/** Checks the options `createPlantonPlugin` reads itself (the hub, auth and webhooks check theirs). */
export const assertPluginConfiguration = (configuration: PlantonPluginConfiguration): void => {
  const {bodyLimit = 1_048_576, dashboard = {}, logStreamInterval = 1000, overviewStreamInterval = 1000, overviewStreamMaxSubscribers = 1000, rateLimit = {max: 1200, timeWindow: 60_000}, readinessTimeout = 5000, scheduler} = configuration;

  if (typeof scheduler !== 'object' || scheduler === null || typeof scheduler.getJob !== 'function') {
    throw new InvalidServerConfigurationError('scheduler', 'a scheduler from `createScheduler`', scheduler);
  }

  assertPositiveIntegers([['bodyLimit', bodyLimit], ['logStreamInterval', logStreamInterval], ['overviewStreamInterval', overviewStreamInterval], ['overviewStreamMaxSubscribers', overviewStreamMaxSubscribers], ['readinessTimeout', readinessTimeout]]);

  if (rateLimit !== false && (!isPositiveInteger(rateLimit.max) || !isPositiveInteger(rateLimit.timeWindow))) {
    throw new InvalidServerConfigurationError('rateLimit', '`false` or `{max, timeWindow}`, integers >= 1', rateLimit);
  }

  if (dashboard !== false && dashboard.sessionDuration !== undefined && !isPositiveInteger(dashboard.sessionDuration)) {
    throw new InvalidServerConfigurationError('dashboard.sessionDuration', 'an integer >= 1', dashboard.sessionDuration);
  }
};
