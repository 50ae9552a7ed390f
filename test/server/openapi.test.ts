import test from 'ava';
import {createMemorySchedulerStore, createScheduler} from '../../src/scheduler/index.ts';
import {createServer} from '../../src/server/index.ts';
import {createAjv} from './helpers/createAjv.ts';

type Operation = {readonly responses: Readonly<Record<string, {readonly content?: Readonly<Record<string, {readonly schema: object}>>}>>; readonly security?: unknown[]};

test('/openapi.json documents every route, each with its success and error responses, with schemas ajv compiles', async (t) => {
  const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0});
  const server = createServer({scheduler});

  t.teardown(async () => {
    await server.close();
    await scheduler.terminate();
  });

  const {url} = await server.listen({port: 0});
  const document = await (await fetch(`${url}/openapi.json`)).json() as {readonly openapi: string; readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>};
  const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const));

  t.is(document.openapi, '3.1.0');
  t.deepEqual(operations.map(([name]) => name).sort(), [
    'DELETE /dashboard/session',
    'DELETE /v1/jobs',
    'DELETE /v1/tasks/{name}',
    'GET /dashboard/session',
    'GET /health',
    'GET /metrics',
    'GET /ready',
    'GET /v1/dispatch',
    'GET /v1/jobs',
    'GET /v1/jobs/{id}',
    'GET /v1/jobs/{id}/deliveries',
    'GET /v1/jobs/{id}/logs',
    'GET /v1/jobs/{id}/logs/stream',
    'GET /v1/overview',
    'GET /v1/overview/stream',
    'GET /v1/stats',
    'GET /v1/tasks',
    'GET /v1/tasks/{name}',
    'GET /v1/tasks/{name}/jobs',
    'GET /v1/workers',
    'POST /dashboard/session',
    'POST /v1/jobs/{id}/cancel',
    'POST /v1/jobs/{id}/reschedule',
    'POST /v1/jobs/{id}/retry',
    'POST /v1/tasks/{name}/jobs',
    'POST /v1/tasks/{name}/pause',
    'POST /v1/tasks/{name}/resume',
    'POST /v1/tasks/{name}/trigger',
    'PUT /v1/tasks/{name}',
  ]);

  const ajv = createAjv();

  for (const [name, operation] of operations) {
    const statuses = Object.keys(operation.responses);

    t.true(statuses.some((status) => status.startsWith('2')), `${name} has a success response`);
    t.true(statuses.includes('4XX') && statuses.includes('5XX'), `${name} has error responses`);

    for (const response of Object.values(operation.responses)) {
      for (const {schema} of Object.values(response.content ?? {})) {
        t.notThrows(() => ajv.compile(schema), name);
      }
    }
  }

  t.deepEqual(document.paths['/health']?.get?.security, [], '/health needs no token');
  t.deepEqual(document.paths['/dashboard/session']?.post?.security, [], 'signing in needs no token');
});
