import type {FastifyRequest} from 'fastify';
import type {Clock} from '../../planton/types.ts';
import type {Scheduler} from '../../scheduler/createScheduler.ts';
import type {DispatchSummaryReader} from '../createDispatchSummaryReader.ts';
import {createOverviewStatsCache} from '../createOverviewStatsCache.ts';
import type {WebhookNotifier} from '../createWebhookNotifier.ts';
import type {WorkerHub} from '../createWorkerHub.ts';
import type {ServerApp} from '../types.ts';
import {registerDispatchRoute} from './registerDispatchRoute.ts';
import {registerJobRoutes} from './registerJobRoutes.ts';
import {registerLogStreamRoute} from './registerLogStreamRoute.ts';
import {registerOverviewRoute} from './registerOverviewRoute.ts';
import {registerOverviewStreamRoute} from './registerOverviewStreamRoute.ts';
import {registerStatsRoute} from './registerStatsRoute.ts';
import {registerTaskRoutes} from './registerTaskRoutes.ts';
import {registerWorkerRoutes} from './registerWorkerRoutes.ts';

export type ApiRoutesConfiguration = {
  readonly clock: Clock;
  /** The dispatch stores' summaries (`GET /v1/dispatch`). */
  readonly dispatchSummaries: DispatchSummaryReader;
  /** The name of the token that authenticated a request. */
  readonly getTokenName: (request: FastifyRequest) => string;
  readonly hub: WorkerHub;
  /** Milliseconds between two reads of a followed job (`logStreamInterval`). */
  readonly logStreamInterval: number;
  readonly notifier: WebhookNotifier;
  /** Takes what must end before the server can close (open streams would hold their connections). */
  readonly onClosing: (end: () => void) => void;
  /** `GET /v1/overview/stream`: milliseconds between two reads while a stream is open, most streams open at once. */
  readonly overviewStream: {readonly interval: number; readonly maxSubscribers: number};
  readonly scheduler: Scheduler;
};

/** Milliseconds the overview's statistics serve before they are read again (sooner after a job of this process ended). */
const OVERVIEW_STATS_MAX_AGE = 15_000;

/**
 * Every route under `/v1`, in one list: `v1` is the context that already has the prefix, the auth
 * hooks and the rate limit, so a route added here is guarded like the others.
 */
export const registerApiRoutes = (v1: ServerApp, {clock, dispatchSummaries, getTokenName, hub, logStreamInterval, notifier, onClosing, overviewStream, scheduler}: ApiRoutesConfiguration): void => {
  registerTaskRoutes(v1, {scheduler});
  registerJobRoutes(v1, {clock, notifier, scheduler});
  registerWorkerRoutes(v1, {getTokenName, hub});
  // The overview's statistics, read at most every 15 s for the page and its stream together.
  const overviewStats = createOverviewStatsCache({clock, maxAge: OVERVIEW_STATS_MAX_AGE, scheduler});

  onClosing(overviewStats.close);
  registerOverviewRoute(v1, {hub, limit: 50, readStats: overviewStats.read, scheduler});
  registerStatsRoute(v1, {scheduler});
  registerDispatchRoute(v1, {reader: dispatchSummaries});

  const logStreams = registerLogStreamRoute(v1, {pollInterval: logStreamInterval, scheduler});

  onClosing(logStreams.closeAll);

  const overviewStreams = registerOverviewStreamRoute(v1, {clock, hub, interval: overviewStream.interval, limit: 50, maxSubscribers: overviewStream.maxSubscribers, readStats: overviewStats.read, scheduler});

  onClosing(overviewStreams.closeAll);
};
