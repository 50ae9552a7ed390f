import type {DispatchStoreReport, DispatchSummaryReader} from '../createDispatchSummaryReader.ts';
import {type DispatchBody, DISPATCH_ROUTE_SCHEMAS} from '../schemas/dispatchSchemas.ts';
import type {ServerApp} from '../types.ts';

/** A store's report as the HTTP API shows it: times as ISO 8601 strings. */
const toDispatchStoreBody = ({error, name, status, summary}: DispatchStoreReport): DispatchBody['stores'][number] => ({
  error,
  name,
  reaper: summary === null ? null : {
    recent: summary.reaper.recent.map((termination) => ({...termination, terminatedAt: termination.terminatedAt.toISOString()})),
    terminated: summary.reaper.terminated,
  },
  status,
  tasks: summary === null ? [] : summary.tasks.map((task) => ({...task, lastTerminatedAt: task.lastTerminatedAt?.toISOString() ?? null})),
});

/**
 * `GET /v1/dispatch` (read role): per task of each dispatch store the server was given, RUNNING
 * executions now, COMPLETED / FAILED / TERMINATED ones of the last 24 h, dead instructions, and the
 * reaper's recent work. A store that fails or times out is reported with a coded `error`; the
 * others are still answered.
 */
export const registerDispatchRoute = (app: ServerApp, {reader}: {readonly reader: DispatchSummaryReader}): void => {
  app.get('/dispatch', {schema: {...DISPATCH_ROUTE_SCHEMAS.get, summary: 'The dispatch stores\' executions of the last 24 h and the reaper\'s recent work (the dashboard\'s dispatch panel)', tags: ['dashboard']}}, async () => {
    const {since, stores} = await reader.read();

    return {since: since.toISOString(), stores: stores.map(toDispatchStoreBody)};
  });
};
