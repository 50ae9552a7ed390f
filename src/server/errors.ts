/**
 * Errors of the server layer. Each is a `PlantonError` with a stable `code`; `toHttpError` gives
 * each code its HTTP status. The errors of the layers below (`UNKNOWN_TASK`, `INVALID_JOB_STATE`,
 * `server_unreachable`, …) reach HTTP clients with their own codes.
 */
import {describeValue} from '../planton/describeValue.ts';
import {PlantonError} from '../planton/errors.ts';

/** An option of `createServer`, `listen` or a token list is invalid. Thrown by the factory. */
export class InvalidServerConfigurationError extends PlantonError {
  public readonly option: string;

  public readonly value: unknown;

  public constructor (option: string, expected: string, value: unknown) {
    super(`Expected \`${option}\` to be ${expected}, got \`${describeValue(value)}\`.`, 'INVALID_SERVER_CONFIGURATION');
    this.option = option;
    this.value = value;
  }
}

/** `listen` on a host other than loopback with no token configured and without `insecure: true`. */
export class InsecureHostError extends PlantonError {
  public readonly host: string;

  public constructor (host: string) {
    super(`Refusing to listen on \`${host}\` without tokens: anyone who reaches it could change tasks and jobs. Configure tokens, listen on loopback (127.0.0.1), or pass \`insecure: true\`.`, 'INSECURE_HOST');
    this.host = host;
  }
}

/** A request without `Authorization: Bearer <token>`, or with a token the server does not know. */
export class UnauthorizedError extends PlantonError {
  public constructor (reason: 'INVALID' | 'MISSING' | 'SESSION') {
    super(reason === 'MISSING' ? 'This route needs `Authorization: Bearer <token>`.' : reason === 'SESSION' ? 'The dashboard session has expired or is not valid; sign in again.' : 'The bearer token is not valid.', 'UNAUTHORIZED');
  }
}

/**
 * A change (not GET) made with the dashboard's session cookie without the session's CSRF token in
 * `X-Planton-CSRF`, or, without a bearer token, sent by another site's page (`Sec-Fetch-Site`).
 */
export class InvalidCsrfTokenError extends PlantonError {
  public constructor (reason: 'CROSS_SITE' | 'MISSING' = 'MISSING') {
    super(reason === 'CROSS_SITE' ?
      'A change sent by another site\'s page (`Sec-Fetch-Site`) is refused unless it has a bearer token.' :
      'This request is authenticated by the dashboard\'s session cookie: a change needs the session\'s CSRF token in `X-Planton-CSRF`.', 'INVALID_CSRF_TOKEN');
  }
}

/** `/` was asked for but the dashboard's assets were not built (`npm run build`) or not found where configured. */
export class DashboardNotBuiltError extends PlantonError {
  public constructor () {
    super('The dashboard\'s assets are not built: run `npm run build` (or set `dashboard.assetsDirectory`).', 'DASHBOARD_NOT_BUILT');
  }
}

/** A known token whose role does not allow the request. */
export class ForbiddenError extends PlantonError {
  public readonly role: string;

  public constructor (role: string, allowed: string) {
    super(`A token with role \`${role}\` cannot use this route; ${allowed}.`, 'FORBIDDEN');
    this.role = role;
  }
}

/** A token (or, without tokens, a client address) sent more requests than the rate limit allows. */
export class RateLimitedError extends PlantonError {
  /** Milliseconds until the window resets. */
  public readonly retryAfter: number;

  public constructor (max: number, retryAfter: number) {
    super(`Rate limit of ${max} requests exceeded; retry in ${Math.ceil(retryAfter / 1000)} s.`, 'RATE_LIMITED');
    this.retryAfter = retryAfter;
  }
}

/** No route has this method and path. */
export class RouteNotFoundError extends PlantonError {
  public constructor (method: string, url: string) {
    super(`No route ${method} ${url}.`, 'ROUTE_NOT_FOUND');
  }
}

/** A request that arrived while the server was closing. */
export class ServerClosingError extends PlantonError {
  public constructor () {
    super('The server is shutting down; retry on another instance.', 'SERVER_CLOSING');
  }
}

/** A Server-Sent Events stream refused because the server already holds as many open streams of that kind as it allows. */
export class TooManySubscribersError extends PlantonError {
  public readonly limit: number;

  public constructor (route: string, limit: number) {
    super(`The server already holds ${limit} open \`${route}\` streams, as many as it allows; retry later or poll instead.`, 'TOO_MANY_SUBSCRIBERS');
    this.limit = limit;
  }
}

/** The same `createPlantonPlugin(…)` registered a second time: its hub, metrics and webhooks serve one registration. */
export class PluginAlreadyRegisteredError extends PlantonError {
  public constructor () {
    super('This Planton plugin is registered already; call `createPlantonPlugin` once per registration.', 'PLUGIN_ALREADY_REGISTERED');
  }
}

/**
 * A dispatch store's `summarizeExecutions` failed with an error that has no code of its own (a
 * driver's, a missing table): `GET /v1/dispatch` reports it for that store; the error is logged.
 */
export class DispatchSummaryFailedError extends PlantonError {
  public readonly storeName: string;

  public constructor (storeName: string, cause: unknown) {
    super(`Reading the dispatch store \`${storeName}\` failed; the server's log has the cause.`, 'DISPATCH_SUMMARY_FAILED', {cause});
    this.storeName = storeName;
  }
}
