import {useState} from 'preact/hooks';
import {request} from './api.ts';
import type {Dispatch, DispatchStore, DispatchTask, DispatchTermination} from './dispatchTypes.ts';
import {formatAge, formatDate} from './format.ts';
import {usePolling} from './usePolling.ts';

/** Milliseconds between two refreshes of the panel (one request each: `GET /v1/dispatch`). */
const REFRESH_INTERVAL = 5000;

/** Longest instruction shown whole; longer ones are cut (the title has it all). */
const INSTRUCTION_LENGTH = 40;

const When = ({iso, now}: {readonly iso: string | null; readonly now: number}) => {
  return iso === null ? <span class="muted">never</span> : <time dateTime={iso} title={formatDate(iso)}>{formatAge(iso, now)}</time>;
};

const Count = ({kind, value}: {readonly kind: string; readonly value: number}) => (
  <td class={value > 0 && (kind === 'failed' || kind === 'terminated' || kind === 'dead') ? 'failure' : undefined} data-count={kind}>{value}</td>
);

const TaskRow = ({now, task}: {readonly now: number; readonly task: DispatchTask}) => (
  <tr data-dispatch-task={task.taskName}>
    <th scope="row">{task.taskName}</th>
    <Count kind="running" value={task.running} />
    <Count kind="completed" value={task.completed} />
    <Count kind="failed" value={task.failed} />
    <Count kind="terminated" value={task.terminated} />
    <Count kind="dead" value={task.dead} />
    <td><When iso={task.lastTerminatedAt} now={now} /></td>
  </tr>
);

const Instruction = ({value}: {readonly value: number | string}) => {
  const text = String(value);

  return <code title={text}>{text.length > INSTRUCTION_LENGTH ? `${text.slice(0, INSTRUCTION_LENGTH)}…` : text}</code>;
};

const TerminationItem = ({now, termination}: {readonly now: number; readonly termination: DispatchTermination}) => (
  <li data-execution={termination.executionId}>
    {termination.taskName} execution #{termination.executionId} (<Instruction value={termination.instruction} />), <When iso={termination.terminatedAt} now={now} />
  </li>
);

const StoreReport = ({now, store}: {readonly now: number; readonly store: DispatchStore}) => {
  if (store.status === 'UNSUPPORTED') {
    return <p class="muted">Not supported: this store cannot summarise its executions.</p>;
  }

  if (store.status === 'FAILED' || store.reaper === null) {
    return <p class="error-code" role="alert">Could not read it: {store.error?.code}: {store.error?.message}</p>;
  }

  return (
    <>
      {store.tasks.length === 0 ?
        <p class="muted">No task has run on this store.</p> :
        <table>
          <thead><tr>{['Task', 'Running', 'Completed (24 h)', 'Failed (24 h)', 'Terminated (24 h)', 'Dead', 'Last reaped'].map((header) => <th key={header} scope="col">{header}</th>)}</tr></thead>
          <tbody>{store.tasks.map((task) => <TaskRow key={task.taskName} now={now} task={task} />)}</tbody>
        </table>}
      <p data-reaper-terminated={store.reaper.terminated}>
        Reaper: {store.reaper.terminated} execution{store.reaper.terminated === 1 ? '' : 's'} terminated in the last 24 h (heartbeat older than the task's limit).
      </p>
      {store.reaper.recent.length === 0 ? null : <ul class="reaped">{store.reaper.recent.map((termination) => <TerminationItem key={termination.executionId} now={now} termination={termination} />)}</ul>}
    </>
  );
};

/**
 * The dispatch side: per dispatch store of the server, its tasks' executions (running now, ended in
 * the last 24 h, dead) and the reaper's recent work, refreshed every 5 s. Nothing when the server
 * has no dispatch stores (or cannot be read yet): it asks once, and no more after an answer without
 * stores (a server's dispatch stores are set when it starts).
 */
export const DispatchPanel = () => {
  const [withoutStores, setWithoutStores] = useState(false);
  const {data, error} = usePolling(async () => {
    const dispatch = await request<Dispatch>('GET', '/v1/dispatch');

    if (dispatch.stores.length === 0) {
      setWithoutStores(true);
    }

    return dispatch;
  }, REFRESH_INTERVAL, 'dispatch', !withoutStores);
  const now = Date.now();

  if (data === null || data.stores.length === 0) {
    return null;
  }

  return (
    <section aria-labelledby="heading-Dispatch">
      <h2 id="heading-Dispatch">Dispatch</h2>
      {error === null ? null : <p class="stale" role="status">Not refreshed: {error.message}</p>}
      {data.stores.map((store) => (
        <section aria-labelledby={`heading-dispatch-${store.name}`} data-dispatch-store={store.name} key={store.name}>
          <h3 id={`heading-dispatch-${store.name}`}>{store.name}</h3>
          <StoreReport now={now} store={store} />
        </section>
      ))}
    </section>
  );
};
