import {createHash, createHmac, randomBytes, timingSafeEqual} from 'node:crypto';
import {ForbiddenError, InvalidServerConfigurationError, UnauthorizedError} from './errors.ts';

/** What a token may do: `admin` everything, `read` GET (and HEAD) only, `worker` the WebSocket protocol of remote processors only. */
export type ServerRole = 'admin' | 'read' | 'worker';

/** One bearer token the server accepts. */
export type ServerToken = {
  /**
   * Names the token in logs and metrics (the token itself is never logged).
   * @default `<role>-<n>`, n counting the tokens from 1
   */
  readonly name?: string;
  readonly role: ServerRole;
  /** At least 16 characters: letters, digits and `-._~+/=` (hex, base64 or base64url). */
  readonly token: string;
};

/** Who sent a request. Without tokens configured every request is the `anonymous` admin. */
export type Principal = {
  /** Keys the rate limit: a hash of the token, never the token. */
  readonly key: string;
  readonly name: string;
  readonly role: ServerRole;
};

/** What a request wants to do: read or change through the HTTP API, or use the workers' protocol. */
export type Access = 'read' | 'worker' | 'write';

export type Auth = {
  /** The principal of an `Authorization` header value. Throws `UNAUTHORIZED` when it is missing or unknown (and tokens are configured). */
  readonly authenticate: (authorization: string | undefined) => Principal;
  /** The principal of a bare token (the dashboard's sign-in form), compared as `authenticate` does. Throws `UNAUTHORIZED`. */
  readonly authenticateToken: (token: string) => Principal;
  /** Throws `FORBIDDEN` when the principal's role does not allow `access`. */
  readonly authorize: (principal: Principal, access: Access) => void;
  /**
   * The principal whose `key` this is and the secret its dashboard sessions are signed with (an HMAC
   * of the token's hash, so a session dies with its token), or `null` for an unknown key.
   */
  readonly findSessionKey: (key: string) => {readonly principal: Principal; readonly secret: Buffer} | null;
  /** `false` when no token is configured: every request is then allowed. */
  readonly hasTokens: boolean;
};

export type AuthConfiguration = {
  /** The accepted tokens; none: every request is allowed (the server then listens on loopback only, unless `insecure`). */
  readonly tokens: readonly ServerToken[];
};

const ROLES: readonly ServerRole[] = ['admin', 'read', 'worker'];
const TOKEN_PATTERN = /^[\w.~+/=-]{16,}$/u;
const BEARER_PATTERN = /^Bearer +(?<token>\S+) *$/iu;

const ANONYMOUS: Principal = {key: 'anonymous', name: 'anonymous', role: 'admin'};

const hash = (value: string): Buffer => createHash('sha256').update(value).digest();

const ALLOWED: Record<ServerRole, readonly Access[]> = {
  admin: ['read', 'write', 'worker'],
  read: ['read'],
  worker: ['worker'],
};

const DESCRIPTION: Record<ServerRole, string> = {
  admin: 'it may do anything',
  read: 'it may only read (GET)',
  worker: 'it may only connect remote processors',
};

/**
 * Bearer-token authentication. Tokens are kept as SHA-256 hashes, and the hash of a presented token
 * is compared with every configured one through `timingSafeEqual` (equal lengths, no early exit), so
 * the time taken does not tell how much of a token matched.
 */
export const createAuth = ({tokens}: AuthConfiguration): Auth => {
  if (!Array.isArray(tokens)) {
    throw new InvalidServerConfigurationError('tokens', 'an array of `{role, token, name?}`', tokens);
  }

  const seen = new Set<string>();
  const known = tokens.map((entry, index) => {
    const option = `tokens[${index}]`;

    if (typeof entry !== 'object' || entry === null) {
      throw new InvalidServerConfigurationError(option, 'an object `{role, token, name?}`', entry);
    }

    if (!ROLES.includes(entry.role)) {
      throw new InvalidServerConfigurationError(`${option}.role`, '`admin`, `read` or `worker`', entry.role);
    }

    if (typeof entry.token !== 'string' || !TOKEN_PATTERN.test(entry.token)) {
      // The value is not echoed: it may be a real (if malformed) secret.
      throw new InvalidServerConfigurationError(`${option}.token`, 'a string of at least 16 letters, digits or `-._~+/=`', '<redacted>');
    }

    const digest = hash(entry.token);
    const key = digest.toString('hex');

    if (seen.has(key)) {
      throw new InvalidServerConfigurationError(`${option}.token`, 'a token not given twice', '<redacted>');
    }

    seen.add(key);

    if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name === '')) {
      throw new InvalidServerConfigurationError(`${option}.name`, 'a non-empty string', entry.name);
    }

    return {digest, principal: {key: key.slice(0, 16), name: entry.name ?? `${entry.role}-${index + 1}`, role: entry.role}, secret: createHmac('sha256', digest).update('planton dashboard session').digest()};
  });

  // Without tokens the anonymous admin's sessions are signed with a key of this process.
  const anonymousSecret = randomBytes(32);

  const authenticateToken = (token: string): Principal => {
    const digest = hash(token);
    let match: Principal | null = null;

    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, digest)) {
        match = candidate.principal;
      }
    }

    if (match === null) {
      throw new UnauthorizedError('INVALID');
    }

    return match;
  };

  return {
    authenticate: (authorization) => {
      if (known.length === 0) {
        return ANONYMOUS;
      }

      if (authorization === undefined || authorization === '') {
        throw new UnauthorizedError('MISSING');
      }

      const token = BEARER_PATTERN.exec(authorization)?.groups?.token;

      if (token === undefined) {
        throw new UnauthorizedError('INVALID');
      }

      return authenticateToken(token);
    },
    authenticateToken: (token) => {
      if (known.length === 0) {
        return ANONYMOUS;
      }

      return authenticateToken(token);
    },
    authorize: (principal, access) => {
      if (!ALLOWED[principal.role].includes(access)) {
        throw new ForbiddenError(principal.role, DESCRIPTION[principal.role]);
      }
    },
    findSessionKey: (key) => {
      if (known.length === 0) {
        return key === ANONYMOUS.key ? {principal: ANONYMOUS, secret: anonymousSecret} : null;
      }

      const found = known.find((candidate) => candidate.principal.key === key);

      return found === undefined ? null : {principal: found.principal, secret: found.secret};
    },
    hasTokens: known.length > 0,
  };
};
