/** The log stream's life on the server side (memory store): a client that goes away ends it. */
import test from 'ava';
import {createMemorySchedulerStore} from '../../src/scheduler/index.ts';
import {until} from '../helpers/until.ts';
import {startServer} from './helpers/startServer.ts';

test('a client that disconnects ends its log stream on the server: its listeners go (and its timer with them)', async (t) => {
  const {api, scheduler} = await startServer(t, createMemorySchedulerStore(), {logStreamInterval: 10});

  await api.request('PUT', '/v1/tasks/{name}', {body: {schedule: '1h', timeout: 1000}, params: {name: 'hourly'}});

  const {id} = (await scheduler.listJobs({taskName: 'hourly'})).jobs[0] as {id: number};
  const baseline = scheduler.events.listenerCount('succeeded');
  const abort = new AbortController();
  const response = await fetch(`${api.url}/v1/jobs/${id}/logs/stream`, {signal: abort.signal});

  t.is(response.status, 200);
  await until(() => scheduler.events.listenerCount('succeeded') === baseline + 1);
  abort.abort();
  await until(() => scheduler.events.listenerCount('succeeded') === baseline);
});
