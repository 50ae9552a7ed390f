import type {Clock} from '../../planton/types.ts';
import type {Scheduler} from '../../scheduler/createScheduler.ts';
import type {JobStats} from '../../scheduler/schedulerApiTypes.ts';
import {createSnapshotFeed} from '../createSnapshotFeed.ts';
import type {WorkerHub} from '../createWorkerHub.ts';
import {readOverview} from '../readOverview.ts';
import {OVERVIEW_ROUTE_SCHEMAS} from '../schemas/overviewSchemas.ts';
import type {ServerApp} from '../types.ts';

export type OverviewStreamRouteConfiguration = {
  readonly clock: Clock;
  readonly hub: WorkerHub;
  /** Milliseconds between two reads of the overview while some stream is open. */
  readonly interval: number;
  /** At most this many running jobs and as many failures (as `GET /v1/overview`). */
  readonly limit: number;
  /** Most streams open at once. */
  readonly maxSubscribers: number;
  /** The overview's `stats` (the shared cache). */
  readonly readStats: () => Promise<JobStats>;
  readonly scheduler: Scheduler;
};

export type OverviewStreams = {
  /** Ends every open stream (the server is closing) and refuses new ones. */
  readonly closeAll: () => void;
};

/** The events after which the overview has likely changed: the feed reads it again at once. */
const SCHEDULER_EVENTS = ['failed', 'retry', 'succeeded', 'timeout'] as const;
const HUB_EVENTS = ['assign', 'connect', 'disconnect', 'leave'] as const;

/**
 * `GET /v1/overview/stream`: `GET /v1/overview` as Server-Sent Events. One feed per server reads the
 * overview for all open streams together (once per `interval`, and soon after a job of this process
 * ended or a worker came, went or was given a job) and sends `overview` to each only when it changed.
 */
export const registerOverviewStreamRoute = (app: ServerApp, {clock, hub, interval, limit, maxSubscribers, readStats, scheduler}: OverviewStreamRouteConfiguration): OverviewStreams => {
  const feed = createSnapshotFeed({
    clock,
    event: 'overview',
    interval,
    maxSubscribers,
    read: async () => await readOverview({hub, limit, readStats, scheduler}),
    route: 'GET /v1/overview/stream',
    watch: (wake) => {
      for (const name of SCHEDULER_EVENTS) {
        scheduler.events.on(name, wake);
      }

      for (const name of HUB_EVENTS) {
        hub.events.on(name, wake);
      }

      return () => {
        for (const name of SCHEDULER_EVENTS) {
          scheduler.events.off(name, wake);
        }

        for (const name of HUB_EVENTS) {
          hub.events.off(name, wake);
        }
      };
    },
  });

  app.get('/overview/stream', {schema: {...OVERVIEW_ROUTE_SCHEMAS.stream, summary: 'The overview as Server-Sent Events: sent at once, then whenever it changed', tags: ['dashboard']}}, async (request, reply) => {
    // Before the stream starts, so a refusal is a JSON error as on the other routes.
    feed.assertRoom();
    reply.hijack();

    const raw = reply.raw;

    // A client that left while the request was being authenticated: its 'close' has fired already.
    if (raw.destroyed || request.raw.destroyed || request.raw.socket.destroyed) {
      raw.destroy();

      return;
    }

    raw.writeHead(200, {'cache-control': 'no-cache', connection: 'keep-alive', 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no'});
    raw.write(': overview\n\n');

    const unsubscribe = feed.subscribe(raw);

    raw.once('close', unsubscribe);
  });

  return {closeAll: feed.close};
};
