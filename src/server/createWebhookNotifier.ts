import {createHmac, randomUUID} from 'node:crypto';
import PQueue from 'p-queue';
import {serializeError} from 'serialize-error';
import {calculateBackoffDelay} from '../planton/calculateBackoffDelay.ts';
import {Logger} from '../planton/Logger.ts';
import type {Clock, Emitter} from '../planton/types.ts';
import type {JobRecord} from '../scheduler/recordTypes.ts';
import type {SchedulerEvents} from '../scheduler/schedulerApiTypes.ts';
import {InvalidServerConfigurationError} from './errors.ts';
import type {DeliveryBody} from './schemas/jobSchemas.ts';

const log = Logger.child({
  namespace: 'createWebhookNotifier',
});

/** `job.failed`: an attempt failed and another follows; `job.timed_out`: an attempt ran past its timeout; `job.dead`: the job failed for good (attempts used up, or no processor). */
export type WebhookEvent = 'job.dead' | 'job.failed' | 'job.timed_out';

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['job.dead', 'job.failed', 'job.timed_out'];

export type WebhookConfiguration = {
  /**
   * Which events are sent to this URL.
   * @default every event
   */
  readonly events?: readonly WebhookEvent[];
  /** The key of the HMAC-SHA256 signature (16 characters or more); read it from the environment or a file, never logged. */
  readonly secret: string;
  /**
   * Only the jobs of these tasks (a webhook per task).
   * @default every task
   */
  readonly taskNames?: readonly string[];
  /** Where the JSON body is POSTed: an `http:` or `https:` URL. */
  readonly url: string;
};

export type WebhookNotifierConfiguration = {
  /**
   * POSTs per delivery in all, the first included.
   * @default 5
   */
  readonly attempts?: number;
  /**
   * Wait before the retries, doubling from `initialDelay` up to `maxDelay` (milliseconds, on `clock`).
   * @default {initialDelay: 1000, maxDelay: 60000}
   */
  readonly backoff?: {readonly initialDelay: number; readonly maxDelay: number};
  readonly clock: Clock;
  /**
   * POSTs in flight at once.
   * @default 4
   */
  readonly concurrency?: number;
  /** The scheduler's events: `retry`, `timeout` and `failed` are notified. */
  readonly events: Emitter<SchedulerEvents>;
  /** The API's base URL for the links in the body (`http://host:2718`); `null` gives relative links. */
  readonly getBaseUrl: () => string | null;
  /**
   * Deliveries not yet delivered or given up, at most; past it a new one is `DROPPED` (and logged).
   * @default 1000
   */
  readonly maxPending?: number;
  /**
   * Jobs whose deliveries are remembered (the oldest forgotten first).
   * @default 10000
   */
  readonly maxTrackedJobs?: number;
  /**
   * Milliseconds one POST may take (headers and body) before it counts as failed.
   * @default 10000
   */
  readonly timeout?: number;
  readonly webhooks: readonly WebhookConfiguration[];
};

export type WebhookNotifier = {
  /** Stops listening, aborts POSTs in flight and waits for retries; deliveries left undelivered become `FAILED`. */
  readonly close: () => Promise<void>;
  /** The job's deliveries in this process, oldest first. */
  readonly listDeliveries: (jobId: number) => DeliveryBody[];
};

type Delivery = {
  attempts: number;
  readonly body: string;
  readonly createdAt: number;
  deliveredAt: number | null;
  readonly event: WebhookEvent;
  readonly id: string;
  readonly jobId: number;
  lastError: string | null;
  lastStatus: number | null;
  nextAttemptAt: number | null;
  state: DeliveryBody['state'];
  readonly webhook: WebhookConfiguration;
};

const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;

const validateWebhooks = (webhooks: unknown): readonly WebhookConfiguration[] => {
  if (!Array.isArray(webhooks)) {
    throw new InvalidServerConfigurationError('webhooks', 'an array of `{url, secret, events?, taskNames?}`', webhooks);
  }

  for (const [index, webhook] of (webhooks as unknown[]).entries()) {
    const option = `webhooks[${index}]`;
    const {events, secret, taskNames, url} = (webhook ?? {}) as Partial<WebhookConfiguration>;
    let parsed: URL | null = null;

    try {
      parsed = new URL(String(url));
    } catch {
      parsed = null;
    }

    if (typeof url !== 'string' || parsed === null || !['http:', 'https:'].includes(parsed.protocol)) {
      throw new InvalidServerConfigurationError(`${option}.url`, 'an http: or https: URL', url);
    }

    if (typeof secret !== 'string' || secret.length < 16) {
      // The value is not quoted: it is a secret.
      throw new InvalidServerConfigurationError(`${option}.secret`, 'a string of 16 characters or more', '[redacted]');
    }

    if (events !== undefined && (!Array.isArray(events) || !events.every((event) => WEBHOOK_EVENTS.includes(event)))) {
      throw new InvalidServerConfigurationError(`${option}.events`, `an array of ${WEBHOOK_EVENTS.join(', ')}`, events);
    }

    if (taskNames !== undefined && (!Array.isArray(taskNames) || !taskNames.every((name) => typeof name === 'string'))) {
      throw new InvalidServerConfigurationError(`${option}.taskNames`, 'an array of task names', taskNames);
    }
  }

  return webhooks as readonly WebhookConfiguration[];
};

/** `t` is the Unix time in seconds sent as `X-Planton-Timestamp`; the receiver recomputes this over the raw body. */
export const signWebhookBody = ({body, secret, timestamp}: {readonly body: string; readonly secret: string; readonly timestamp: number}): string => {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
};

const toErrorSummary = (error: unknown, job: JobRecord) => {
  const serialized = (error === undefined || error === null ? job.error : serializeError(error)) as Record<string, unknown> | null;

  return {code: typeof serialized?.code === 'string' ? serialized.code : null, message: typeof serialized?.message === 'string' ? serialized.message : null};
};

const toIsoOrNull = (time: number | null) => time === null ? null : new Date(time).toISOString();

/**
 * Failure notifications: on the scheduler's `retry` (`job.failed`), `timeout` (`job.timed_out`) and
 * `failed` (`job.dead`) events of this process, POSTs a JSON body to each matching webhook, signed
 * with HMAC-SHA256 (`X-Planton-Signature: sha256=<hex>` over `<X-Planton-Timestamp>.<body>`), retried
 * with exponential backoff on a network error, a timeout or a status other than 2xx. The listeners only
 * enqueue: a slow or dead receiver never delays a job. Deliveries are kept in memory, per job.
 */
export const createWebhookNotifier = (configuration: WebhookNotifierConfiguration): WebhookNotifier => {
  const {
    attempts = 5,
    backoff = {initialDelay: 1000, maxDelay: 60_000},
    clock,
    concurrency = 4,
    events,
    getBaseUrl,
    maxPending = 1000,
    maxTrackedJobs = 10_000,
    timeout = 10_000,
  } = configuration;
  const webhooks = validateWebhooks(configuration.webhooks);

  for (const [option, value] of [['webhookOptions.attempts', attempts], ['webhookOptions.concurrency', concurrency], ['webhookOptions.maxPending', maxPending], ['webhookOptions.maxTrackedJobs', maxTrackedJobs], ['webhookOptions.timeout', timeout], ['webhookOptions.backoff.initialDelay', backoff.initialDelay], ['webhookOptions.backoff.maxDelay', backoff.maxDelay]] as const) {
    if (!isPositiveInteger(value)) {
      throw new InvalidServerConfigurationError(option, 'an integer >= 1', value);
    }
  }

  const queue = new PQueue({concurrency});
  const closing = new AbortController();
  const byJob = new Map<number, Delivery[]>();
  const waits = new Set<Promise<void>>();
  let pending = 0;

  const settle = (delivery: Delivery, state: 'DELIVERED' | 'FAILED') => {
    delivery.state = state;
    delivery.nextAttemptAt = null;
    pending--;
  };

  const post = async (delivery: Delivery): Promise<void> => {
    const timestamp = Math.floor(clock.now() / 1000);

    delivery.attempts++;

    try {
      const response = await fetch(delivery.webhook.url, {
        body: delivery.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'planton-webhook/1',
          'x-planton-delivery': delivery.id,
          'x-planton-event': delivery.event,
          'x-planton-signature': signWebhookBody({body: delivery.body, secret: delivery.webhook.secret, timestamp}),
          'x-planton-timestamp': String(timestamp),
        },
        method: 'POST',
        redirect: 'error',
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeout)]),
      });

      await response.body?.cancel();
      delivery.lastStatus = response.status;

      if (response.ok) {
        delivery.lastError = null;
        delivery.deliveredAt = clock.now();
        settle(delivery, 'DELIVERED');

        return;
      }

      delivery.lastError = `HTTP ${response.status}`;
    } catch (error) {
      const {cause, name} = error as {cause?: {code?: unknown}; name?: string};

      delivery.lastError = name === 'TimeoutError' ? 'timeout' : closing.signal.aborted ? 'server closed' : String(cause?.code ?? (error as Error).message);
    }

    if (closing.signal.aborted || delivery.attempts >= attempts) {
      settle(delivery, 'FAILED');
      log.warn({deliveryId: delivery.id, event: delivery.event, jobId: delivery.jobId, lastError: delivery.lastError}, 'webhook delivery failed for good');

      return;
    }

    const delay = calculateBackoffDelay({attempt: delivery.attempts - 1, initialDelay: backoff.initialDelay, maxDelay: backoff.maxDelay});

    delivery.nextAttemptAt = clock.now() + delay;

    // The wait holds no slot of the queue; close() aborts it.
    const wait = (async () => {
      try {
        await clock.sleep(delay, closing.signal);
      } catch {
        // Aborted by close().
      }

      if (closing.signal.aborted) {
        delivery.lastError ??= 'server closed';
        settle(delivery, 'FAILED');

        return;
      }

      void queue.add(async () => await post(delivery));
    })();

    waits.add(wait);
    void wait.finally(() => waits.delete(wait));
  };

  const remember = (delivery: Delivery) => {
    const list = byJob.get(delivery.jobId);

    if (list === undefined) {
      byJob.set(delivery.jobId, [delivery]);

      if (byJob.size > maxTrackedJobs) {
        byJob.delete(byJob.keys().next().value as number);
      }
    } else {
      list.push(delivery);
    }
  };

  const notify = (event: WebhookEvent, job: JobRecord, error: unknown) => {
    if (closing.signal.aborted) {
      return;
    }

    const baseUrl = getBaseUrl() ?? '';

    for (const webhook of webhooks) {
      if ((webhook.events !== undefined && !webhook.events.includes(event)) || (webhook.taskNames !== undefined && !webhook.taskNames.includes(job.taskName))) {
        continue;
      }

      const id = randomUUID();
      const now = clock.now();
      const body = JSON.stringify({
        attempt: job.attempt,
        deliveryId: id,
        error: toErrorSummary(error, job),
        event,
        jobId: job.id,
        links: {deliveries: `${baseUrl}/v1/jobs/${job.id}/deliveries`, job: `${baseUrl}/v1/jobs/${job.id}`, logs: `${baseUrl}/v1/jobs/${job.id}/logs`},
        occurredAt: new Date(now).toISOString(),
        state: job.state,
        taskName: job.taskName,
      });
      const delivery: Delivery = {attempts: 0, body, createdAt: now, deliveredAt: null, event, id, jobId: job.id, lastError: null, lastStatus: null, nextAttemptAt: now, state: 'PENDING', webhook};

      remember(delivery);

      if (pending >= maxPending) {
        delivery.state = 'DROPPED';
        delivery.nextAttemptAt = null;
        log.warn({event, jobId: job.id, maxPending}, 'webhook queue full: delivery dropped');
        continue;
      }

      pending++;
      void queue.add(async () => await post(delivery));
    }
  };

  const listeners = {
    failed: ({error, job}: SchedulerEvents['failed']) => {
      notify('job.dead', job, error);
    },
    retry: ({error, job}: SchedulerEvents['retry']) => {
      notify('job.failed', job, error);
    },
    timeout: ({error, job}: SchedulerEvents['timeout']) => {
      notify('job.timed_out', job, error);
    },
  };

  if (webhooks.length > 0) {
    events.on('failed', listeners.failed);
    events.on('retry', listeners.retry);
    events.on('timeout', listeners.timeout);
  }

  return {
    close: async () => {
      events.off('failed', listeners.failed);
      events.off('retry', listeners.retry);
      events.off('timeout', listeners.timeout);
      closing.abort();
      await Promise.all([...waits]);
      await queue.onIdle();
    },
    listDeliveries: (jobId) => {
      return (byJob.get(jobId) ?? []).map((delivery) => ({
        attempts: delivery.attempts,
        createdAt: new Date(delivery.createdAt).toISOString(),
        deliveredAt: toIsoOrNull(delivery.deliveredAt),
        event: delivery.event,
        id: delivery.id,
        jobId: delivery.jobId,
        lastError: delivery.lastError,
        lastStatus: delivery.lastStatus,
        nextAttemptAt: toIsoOrNull(delivery.nextAttemptAt),
        state: delivery.state,
        // The origin only: a webhook URL's path or query often is a secret itself (Slack, ?token=).
        url: new URL(delivery.webhook.url).origin,
      }));
    },
  };
};
