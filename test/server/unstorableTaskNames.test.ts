/**
 * Task names no task can have (NUL, found by the HTTP fuzz) in paths and filters, on the stores
 * that PostgreSQL backs (it refuses a NUL even as a query parameter): 404 UNKNOWN_TASK, 400 for a
 * PUT, or nothing found — never a 500 from the store.
 */
import test, {type ExecutionContext} from 'ava';
import {createPgliteStores, defineServerSchedulerTests} from '../scheduler/helpers/postgresStores.ts';
import type {SchedulerStoreFactory} from '../scheduler/helpers/createHarness.ts';
import {startServer} from './helpers/startServer.ts';

const NAMES = ['\u0000', 'nightly\u0000archive'];

const defineTests = (name: string, createStore: SchedulerStoreFactory) => {
  const start = async (t: ExecutionContext) => {
    const {cleanup, store} = await createStore();

    t.teardown(async () => {
      await cleanup?.();
    });

    return await startServer(t, store);
  };

  test(`${name}: a task name holding NUL is 404 UNKNOWN_TASK on every task route, an empty page or nothing pruned as a filter, 400 on PUT`, async (t) => {
    const {api} = await start(t);

    for (const taskName of NAMES) {
      const params = {name: taskName};

      for (const [method, path, body] of [['GET', '/v1/tasks/{name}'], ['GET', '/v1/tasks/{name}/jobs'], ['POST', '/v1/tasks/{name}/jobs', {}], ['POST', '/v1/tasks/{name}/pause'], ['POST', '/v1/tasks/{name}/resume'], ['POST', '/v1/tasks/{name}/trigger'], ['DELETE', '/v1/tasks/{name}']] as const) {
        t.like(await api.request(method, path, {body, params}), {body: {code: 'UNKNOWN_TASK'}, status: 404}, `${method} ${path}`);
      }

      t.like(await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '1h', timeout: 1000}, params}), {body: {code: 'INVALID_SCHEDULER_CONFIGURATION', field: 'name'}, status: 400});
      t.like(await api.request('GET', '/v1/jobs', {query: {taskName}}), {body: {jobs: [], nextCursor: null}, status: 200});
      t.like(await api.request('DELETE', '/v1/jobs', {query: {olderThan: '1d', taskName}}), {body: {deleted: 0}, status: 200});
    }

    t.like(await api.request('GET', '/health'), {status: 200});
  });
};

defineTests('pglite', createPgliteStores());
defineServerSchedulerTests('a task name holding NUL', ({createStore}) => {
  defineTests('postgres', createStore);
});
