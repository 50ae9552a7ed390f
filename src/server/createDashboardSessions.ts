import {createHmac, timingSafeEqual} from 'node:crypto';
import type {Clock} from '../planton/types.ts';
import type {Auth, Principal} from './createAuth.ts';
import {InvalidCsrfTokenError, UnauthorizedError} from './errors.ts';

/** The cookie that carries a dashboard session. */
export const SESSION_COOKIE = 'planton_session';

/** The header a change made with the session cookie carries the session's CSRF token in. */
export const CSRF_HEADER = 'x-planton-csrf';

/** A signed-in dashboard session. */
export type DashboardSession = {
  /** Sent back by the page in `X-Planton-CSRF` with every change (POST, PUT, DELETE). */
  readonly csrfToken: string;
  readonly expiresAt: Date;
  readonly principal: Principal;
  /** The cookie's value (`HttpOnly`, `SameSite=Strict`): the principal's key, the expiry and their HMAC. */
  readonly value: string;
};

export type DashboardSessions = {
  /**
   * Who sent a request: its `Authorization` header when it has one (as before), else its session
   * cookie, whose changes (any method but GET and HEAD) need the session's CSRF token; else what
   * `auth.authenticate` says of no header (`UNAUTHORIZED`, or the anonymous admin without tokens).
   * Without a bearer header, a change that a browser marks as sent from another site is refused.
   */
  readonly authenticateRequest: (request: {readonly headers: Readonly<Record<string, string | string[] | undefined>>; readonly method: string}) => Principal;
  /** A new session of a principal that signed in. */
  readonly create: (principal: Principal) => DashboardSession;
  /** The session of a `Cookie` header, or `null` when it has none, or one that is forged or expired. */
  readonly read: (cookieHeader: string | undefined) => DashboardSession | null;
  /** The `Set-Cookie` value that stores a session (or, with `null`, removes it). */
  readonly toSetCookie: (session: DashboardSession | null, secure: boolean) => string;
};

export type DashboardSessionsConfiguration = {
  readonly auth: Auth;
  readonly clock: Clock;
  /** Milliseconds a session lasts from sign-in. */
  readonly duration: number;
  /**
   * The cookie's `Path`: where the dashboard is mounted (`/planton`), so the browser sends it there only.
   * @default '/'
   */
  readonly path?: string;
};

const sign = (secret: Buffer, data: string): string => createHmac('sha256', secret).update(data).digest('base64url');

const equal = (left: string, right: string): boolean => {
  const a = Buffer.from(left);
  const b = Buffer.from(right);

  return a.length === b.length && timingSafeEqual(a, b);
};

/** The value of one cookie in a `Cookie` header (`a=1; b=2`), or `undefined`. */
const readCookie = (header: string | undefined, name: string): string | undefined => {
  for (const part of header?.split(';') ?? []) {
    const index = part.indexOf('=');

    if (index > 0 && part.slice(0, index).trim() === name) {
      return part.slice(index + 1).trim();
    }
  }

  return undefined;
};

/**
 * Sessions of the dashboard, which a browser cannot give a bearer header on page loads. Stateless:
 * the cookie is `<key>.<expiry>.<HMAC>`, signed with a secret derived from the token the user signed
 * in with, so it holds on every instance that has that token, survives restarts, and dies with the
 * token (or at its expiry). The CSRF token is another HMAC of the cookie: the page reads it from
 * `GET /dashboard/session` (a cross-site page cannot) and sends it in `X-Planton-CSRF`.
 */
export const createDashboardSessions = ({auth, clock, duration, path = '/'}: DashboardSessionsConfiguration): DashboardSessions => {
  const build = (principal: Principal, secret: Buffer, expiresAt: number): DashboardSession => {
    const unsigned = `${principal.key}.${expiresAt}`;
    const value = `${unsigned}.${sign(secret, unsigned)}`;

    return {csrfToken: sign(secret, `csrf.${value}`), expiresAt: new Date(expiresAt), principal, value};
  };

  const read = (cookieHeader: string | undefined): DashboardSession | null => {
    const value = readCookie(cookieHeader, SESSION_COOKIE);
    const [key, expiry, mac, ...rest] = value?.split('.') ?? [];

    if (key === undefined || expiry === undefined || mac === undefined || rest.length > 0 || !/^\d{1,15}$/u.test(expiry)) {
      return null;
    }

    const found = auth.findSessionKey(key);

    if (found === null) {
      return null;
    }

    const session = build(found.principal, found.secret, Number(expiry));

    return equal(session.value, value ?? '') && session.expiresAt.getTime() > clock.now() ? session : null;
  };

  return {
    authenticateRequest: ({headers, method}) => {
      const {authorization, cookie} = headers;

      if (typeof authorization === 'string' && authorization !== '') {
        return auth.authenticate(authorization);
      }

      const change = method !== 'GET' && method !== 'HEAD';
      const site = headers['sec-fetch-site'];

      // Browsers say where a request comes from: another site's page may not change anything with
      // the cookie, nor (without tokens) anonymously: a form posted from any page to 127.0.0.1.
      if (change && (site === 'cross-site' || site === 'same-site')) {
        throw new InvalidCsrfTokenError('CROSS_SITE');
      }

      if (typeof cookie === 'string' && readCookie(cookie, SESSION_COOKIE) !== undefined) {
        const session = read(cookie);

        if (session === null) {
          throw new UnauthorizedError('SESSION');
        }

        const csrf = headers[CSRF_HEADER];

        if (change && (typeof csrf !== 'string' || !equal(csrf, session.csrfToken))) {
          throw new InvalidCsrfTokenError();
        }

        return session.principal;
      }

      return auth.authenticate(undefined);
    },
    create: (principal) => {
      const found = auth.findSessionKey(principal.key);

      if (found === null) {
        throw new UnauthorizedError('INVALID');
      }

      return build(found.principal, found.secret, clock.now() + duration);
    },
    read,
    toSetCookie: (session, secure) => {
      const attributes = `Path=${path}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;

      return session === null ?
        `${SESSION_COOKIE}=; ${attributes}; Max-Age=0` :
        `${SESSION_COOKIE}=${session.value}; ${attributes}; Max-Age=${Math.max(0, Math.floor((session.expiresAt.getTime() - clock.now()) / 1000))}`;
    },
  };
};
