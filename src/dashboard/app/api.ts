// Calls of the HTTP API from the page. Same origin: the session cookie goes with every request; a
// change also carries the session's CSRF token, which a page of another site cannot read. Paths are
// the server's (`/v1/tasks`), resolved against where the page is served: the server may be mounted
// under a prefix of another (`/planton/`), and the API is then under it too.
import type {Session} from './types.ts';

/** An error answer of the API: its `code` (`INVALID_JOB_STATE`, `UNAUTHORIZED`, …) and status. */
export class ApiError extends Error {
  public readonly code: string;

  public readonly status: number;

  public constructor (status: number, code: string, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

let csrfToken = '';

/**
 * The URL of a path of the server (`/v1/tasks`, `/dashboard/session`) beside the page: `/v1/tasks`
 * when the page is at `/`, `/planton/v1/tasks` when it is at `/planton/`. Every URL the page
 * requests (fetch, EventSource) goes through here.
 */
export const toServerUrl = (path: string): string => new URL(path.replace(/^\/+/u, ''), new URL('.', window.location.href)).href;

/** Remembers the CSRF token of the session the page works in. */
export const useSession = (session: Session | null): void => {
  csrfToken = session?.csrfToken ?? '';
};

/** One request; resolves the JSON answer (or `null` for 204), rejects with an `ApiError`. */
export const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const headers: Record<string, string> = {accept: 'application/json'};

  if (method !== 'GET') {
    headers['x-planton-csrf'] = csrfToken;
  }

  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }

  const response = await fetch(toServerUrl(path), {body: body === undefined ? null : JSON.stringify(body), credentials: 'same-origin', headers, method});

  if (response.status === 204) {
    return null as T;
  }

  const answer = await response.json().catch(() => null) as {code?: string; message?: string} | null;

  if (!response.ok) {
    throw new ApiError(response.status, answer?.code ?? 'HTTP_ERROR', answer?.message ?? response.statusText);
  }

  return answer as T;
};
