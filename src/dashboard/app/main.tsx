// The dashboard's page: a Preact app routed by the URL's hash (`#/`, `#/jobs/42`), so the server
// serves one page; its data comes from the HTTP API (/v1) with the session cookie.
import {render} from 'preact';
import {useEffect, useState} from 'preact/hooks';
import {ApiError, request, useSession} from './api.ts';
import {JobPage} from './JobPage.tsx';
import {Login} from './Login.tsx';
import {Overview} from './Overview.tsx';
import './styles.css';
import {TaskPage} from './TaskPage.tsx';
import type {Session} from './types.ts';
import {WorkersPage} from './WorkersPage.tsx';

type Route = {readonly page: 'job'; readonly id: number} | {readonly page: 'overview'} | {readonly page: 'task'; readonly name: string} | {readonly page: 'workers'};

const readRoute = (): Route => {
  const {hash} = window.location;
  const job = /^#\/jobs\/(\d+)$/u.exec(hash)?.[1];
  // A task's page may carry a query after `?` (its filter, `useHashQuery`); its name is encoded.
  const task = /^#\/tasks\/([^?]+)(?:\?.*)?$/u.exec(hash)?.[1];

  if (job !== undefined) {
    return {id: Number(job), page: 'job'};
  }

  if (hash === '#/workers') {
    return {page: 'workers'};
  }

  if (task === undefined) {
    return {page: 'overview'};
  }

  try {
    return {name: decodeURIComponent(task), page: 'task'};
  } catch {
    return {page: 'overview'};
  }
};

const App = () => {
  // `undefined` while the session is read, `null` when there is none (the sign-in form).
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [failure, setFailure] = useState<string | null>(null);
  const [route, setRoute] = useState(readRoute);

  useEffect(() => {
    const onHash = () => {
      setRoute(readRoute());
    };

    window.addEventListener('hashchange', onHash);
    request<Session>('GET', '/dashboard/session').then(setSession, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        setSession(null);
      } else {
        setFailure(String((error as Error).message));
      }
    });

    return () => {
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  useSession(session ?? null);

  const signOut = async () => {
    await request('DELETE', '/dashboard/session');
    setSession(null);
  };

  return (
    <>
      <header>
        <h1><a href="#/">Planton</a></h1>
        {session ? <nav aria-label="Pages" class="pages"><a href="#/">Overview</a> <a href="#/workers">Workers</a></nav> : null}
        {session ? (
          <p class="who">
            <span data-role={session.role}>{session.name} ({session.role})</span>
            {session.anonymous ?
              <span class="badge" title="The server has no tokens: anyone who reaches it may change tasks and jobs.">no tokens</span> :
              <button class="link" onClick={() => void signOut()} type="button">Sign out</button>}
          </p>
        ) : null}
      </header>
      <main>
        {failure !== null ? <p role="alert">{failure}</p> :
          session === undefined ? <p aria-busy="true">Loading…</p> :
            session === null ? <Login onSession={setSession} /> :
              route.page === 'job' ? <JobPage id={route.id} key={route.id} role={session.role} /> :
                route.page === 'task' ? <TaskPage key={route.name} name={route.name} role={session.role} /> :
                  route.page === 'workers' ? <WorkersPage /> : <Overview />}
      </main>
    </>
  );
};

const root = document.querySelector('#root');

if (root !== null) {
  render(<App />, root);
}
