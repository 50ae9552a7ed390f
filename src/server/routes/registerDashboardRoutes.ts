import {readFile} from 'node:fs/promises';
import fastifyRateLimit from '@fastify/rate-limit';
import type {TypeBoxTypeProvider} from '@fastify/type-provider-typebox';
import {join} from 'node:path';
import type {FastifyReply, FastifyRequest} from 'fastify';
import type {Auth, Principal} from '../createAuth.ts';
import type {DashboardSession, DashboardSessions} from '../createDashboardSessions.ts';
import {DashboardNotBuiltError, ForbiddenError, RateLimitedError, RouteNotFoundError} from '../errors.ts';
import {DASHBOARD_ROUTE_SCHEMAS} from '../schemas/dashboardSchemas.ts';
import type {ServerApp} from '../types.ts';

export type DashboardRoutesConfiguration = {
  /** The folder of the built assets, or `null` when they are not built (`/` then answers 503 `DASHBOARD_NOT_BUILT`). */
  readonly assetsDirectory: string | null;
  readonly auth: Auth;
  /** Sign-in attempts per client address and window (the server's `rateLimit`); `false` for no limit. */
  readonly rateLimit: false | {readonly max: number; readonly timeWindow: number};
  /** `false`: no page and no assets (the session routes stay, for a page served elsewhere). */
  readonly serve: boolean;
  readonly sessions: DashboardSessions;
};

const tags = ['dashboard'];

/** Signing in and out needs no token (the session of `GET` is the cookie's, or a bearer token's). */
const security: Array<Record<string, string[]>> = [];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  map: 'application/json; charset=utf-8',
  png: 'image/png',
  svg: 'image/svg+xml',
};

/** Nothing but the page's own files: no inline script, no other origin, no framing. */
const SECURITY_HEADERS = {
  'content-security-policy': 'default-src \'self\'; img-src \'self\' data:; object-src \'none\'; base-uri \'none\'; form-action \'self\'; frame-ancestors \'none\'',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const ASSET_PATTERN = /^[\w-]+(?:\.[\w-]+)*\.(?<extension>css|js|map|png|svg)$/u;

const toBody = (session: DashboardSession, anonymous: boolean) => ({
  anonymous,
  csrfToken: session.csrfToken,
  expiresAt: session.expiresAt.toISOString(),
  name: session.principal.name,
  role: session.principal.role as 'admin' | 'read',
});

/** The dashboard is for people: `worker` tokens (remote processors) may not sign in. */
const assertDashboardRole = (principal: Principal): void => {
  if (principal.role === 'worker') {
    throw new ForbiddenError('worker', 'it may only connect remote processors');
  }
};

/**
 * The web dashboard: its page at `/` (of the prefix: `/planton/`), its files under `/assets/`, and `/dashboard/session`, where a
 * token is exchanged for a session cookie (browsers send no bearer header on page loads). The page
 * and its files hold no data and need no token; the data comes from `/v1`, under the same auth.
 */
export const registerDashboardRoutes = (app: ServerApp, {assetsDirectory, auth, rateLimit, serve, sessions}: DashboardRoutesConfiguration): void => {
  const cache = new Map<string, Buffer>();

  const sendFile = async (reply: FastifyReply, name: string, extension: string) => {
    if (assetsDirectory === null) {
      throw new DashboardNotBuiltError();
    }

    let body = cache.get(name);

    if (body === undefined) {
      try {
        body = await readFile(join(assetsDirectory, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw name === 'index.html' ? new DashboardNotBuiltError() : new RouteNotFoundError('GET', `/assets/${name}`);
        }

        throw error;
      }

      cache.set(name, body);
    }

    return await reply.headers(SECURITY_HEADERS).header('cache-control', 'no-cache').type(CONTENT_TYPES[extension] ?? 'application/octet-stream').send(body);
  };

  const isSecure = (request: FastifyRequest) => request.protocol === 'https';

  if (serve) {
    app.get('/', {schema: {hide: true}}, async (request, reply) => {
      const [path = '', query] = request.url.split('?');

      // Mounted under a prefix, the page is at `/planton/`: its files and the API are beside it
      // (`assets/app.js`, `v1/tasks`), which `/planton` would resolve from `/`.
      if (!path.endsWith('/')) {
        return await reply.redirect(`${path}/${query === undefined ? '' : `?${query}`}`, 308);
      }

      return await sendFile(reply, 'index.html', 'html');
    });
  }

  app.get<{Params: {readonly file: string}}>('/assets/:file', {schema: {hide: true}}, async (request, reply) => {
    const extension = ASSET_PATTERN.exec(request.params.file)?.groups?.extension;

    if (!serve || extension === undefined) {
      throw new RouteNotFoundError('GET', `/assets/${request.params.file}`);
    }

    return await sendFile(reply, request.params.file, extension);
  });

  // Sign-in is a place to guess tokens: it counts against the rate limit, per client address.
  void app.register(async (signIn) => {
    if (rateLimit !== false) {
      await signIn.register(fastifyRateLimit, {
        errorResponseBuilder: (_request, context) => new RateLimitedError(context.max, context.ttl),
        max: rateLimit.max,
        timeWindow: rateLimit.timeWindow,
      });
    }

    signIn.withTypeProvider<TypeBoxTypeProvider>().post('/dashboard/session', {schema: {...DASHBOARD_ROUTE_SCHEMAS.createSession, security, summary: 'Sign in to the dashboard: exchange a token for a session cookie (HttpOnly, SameSite=Strict)', tags}}, async (request, reply) => {
      const principal = auth.authenticateToken(request.body.token);

      assertDashboardRole(principal);

      const session = sessions.create(principal);

      return await reply.code(201).header('set-cookie', sessions.toSetCookie(session, isSecure(request))).header('cache-control', 'no-store').send(toBody(session, !auth.hasTokens));
    });
  });

  app.get('/dashboard/session', {schema: {...DASHBOARD_ROUTE_SCHEMAS.getSession, summary: 'The dashboard session of the cookie (or bearer token): role and CSRF token', tags}}, async (request, reply) => {
    const session = sessions.read(request.headers.cookie) ?? sessions.create(sessions.authenticateRequest(request));

    assertDashboardRole(session.principal);

    return await reply.header('cache-control', 'no-store').send(toBody(session, !auth.hasTokens));
  });

  app.delete('/dashboard/session', {schema: {...DASHBOARD_ROUTE_SCHEMAS.deleteSession, security, summary: 'Sign out: remove the session cookie', tags}}, async (request, reply) => {
    return await reply.code(204).header('set-cookie', sessions.toSetCookie(null, isSecure(request))).send(null);
  });
};
