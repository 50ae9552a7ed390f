/** The figures of one route: server time (Fastify's `reply.elapsedTime`) and round trip, in milliseconds. */
export type RouteTimes = {
  readonly p95Ms: number;
  readonly medianMs: number;
  readonly roundTripMedianMs: number;
  readonly status: number;
};

export type MeasureConfiguration = {
  readonly path: string;
  readonly requests: number;
  readonly token: string;
  readonly url: string;
  readonly warmUp: number;
};

const quantile = (values: readonly number[], q: number): number => {
  const sorted = values.toSorted((a, b) => a - b);

  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * `fetch`, sent again once when the connection fails: PGlite runs in this process, and a long
 * statement of it blocks the event loop, past which the server may close a kept-alive socket just
 * as the next request goes out on it (ECONNRESET).
 */
export const fetchOnce = async (input: string, init: RequestInit): Promise<Response> => {
  try {
    return await fetch(input, init);
  } catch (error) {
    if (error instanceof TypeError) {
      return await fetch(input, init);
    }

    throw error;
  }
};

/**
 * The seconds the server has spent on GET requests of `route` so far: the sum of the histogram
 * `planton_http_request_duration_seconds` that the server fills from `reply.elapsedTime` in its
 * `onResponse` hook (request received → reply sent). Read after each request, one request at a
 * time, its growth is that request's server time.
 */
const readServerSeconds = async (url: string, token: string, route: string): Promise<number> => {
  const text = await (await fetchOnce(`${url}/metrics`, {headers: {authorization: `Bearer ${token}`}})).text();
  let seconds = 0;

  for (const line of text.split('\n')) {
    if (line.startsWith('planton_http_request_duration_seconds_sum{') && line.includes('method="GET"') && line.includes(`route="${route}"`)) {
      seconds += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }

  return seconds;
};

/** Fastify's name of the route of `path` (`/v1/jobs/:id`), as the histogram labels it. */
const toRouteLabel = (path: string): string => path.split('?')[0]!
  .replace(/^\/v1\/tasks\/[^/]+/u, '/v1/tasks/:name')
  .replace(/^\/v1\/jobs\/\d+/u, '/v1/jobs/:id');

/** `requests` GETs of `path`, one at a time after `warmUp` uncounted ones: the median and p95 of their server times. */
export const measureServerTime = async ({path, requests, token, url, warmUp}: MeasureConfiguration): Promise<RouteTimes> => {
  const route = toRouteLabel(path);
  const server: number[] = [];
  const roundTrip: number[] = [];
  let status = 0;

  for (let index = 0; index < warmUp + requests; index++) {
    const before = await readServerSeconds(url, token, route);
    const started = performance.now();
    const response = await fetchOnce(`${url}${path}`, {headers: {authorization: `Bearer ${token}`}});

    await response.arrayBuffer();

    const elapsed = performance.now() - started;
    const after = await readServerSeconds(url, token, route);

    status = response.status;

    if (index >= warmUp) {
      server.push((after - before) * 1000);
      roundTrip.push(elapsed);
    }
  }

  return {medianMs: round(quantile(server, 0.5)), p95Ms: round(quantile(server, 0.95)), roundTripMedianMs: round(quantile(roundTrip, 0.5)), status};
};
