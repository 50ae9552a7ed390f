import {useState} from 'preact/hooks';
import {ApiError, request} from './api.ts';
import type {Session} from './types.ts';

/**
 * Exchanges a token (admin or read) for a session cookie: `POST /dashboard/session`. The token is
 * sent once and kept nowhere in the page; the cookie is HttpOnly.
 */
export const Login = ({onSession}: {readonly onSession: (session: Session) => void}) => {
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();

    const form = event.currentTarget as HTMLFormElement;
    const token = (form.elements.namedItem('token') as HTMLInputElement).value.trim();

    setBusy(true);
    setFailure(null);

    try {
      onSession(await request<Session>('POST', '/dashboard/session', {token}));
    } catch (error) {
      setFailure(error instanceof ApiError && error.status === 401 ? 'This token is not valid.' : String((error as Error).message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="login" onSubmit={(event) => void submit(event)}>
      <h2>Sign in</h2>
      <label for="token">Token (admin or read)</label>
      <input autocomplete="current-password" autoFocus id="token" name="token" required type="password" />
      <button disabled={busy} type="submit">Sign in</button>
      {failure === null ? null : <p class="failure" role="alert">{failure}</p>}
    </form>
  );
};
