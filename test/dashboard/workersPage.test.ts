/**
 * The workers page (`#/workers`), in headless Chromium: a connected remote worker with its client id,
 * token, tasks, load, the job it holds (a link to it, with the attempt) and its last heartbeat; a
 * worker whose socket dropped is listed as away while its lease lasts.
 */
import test from 'ava';
import {WebSocket} from 'ws';
import {connectWorker} from '../../src/client/index.ts';
import {createDeferred} from '../helpers/createManualClock.ts';
import {READ, requireChromium, startDashboard, WORKER} from './helpers/startDashboard.ts';

type Job = {readonly id: number};

/** Says hello as a worker process would, then drops the socket without a goodbye: the hub keeps its session, away. */
const connectAndDrop = async (url: string, hello: Record<string, unknown>): Promise<void> => {
  const socket = new WebSocket(url, {headers: {authorization: `Bearer ${WORKER}`}});
  const welcomed = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as {type: string}).type === 'welcome') {
        resolve();
      }
    });
    socket.once('error', reject);
  });

  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({...hello, type: 'hello', v: 1}));
  await welcomed;
  socket.terminate();
};

requireChromium(() => {
  test('the workers page lists a connected worker with its job in hand, and one away within its lease', async (t) => {
    // A lease far longer than the test: the dropped worker stays listed, away, however slow the machine.
    const {api, context, pageErrors, url} = await startDashboard(t, {workerHub: {leaseDuration: 600_000}});
    const release = createDeferred<void>();
    const socketUrl = `${url.replace(/^http/u, 'ws')}/v1/workers`;

    await api('PUT', '/v1/tasks/remote', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 120_000});

    const worker = connectWorker({concurrency: 3, name: 'edge-1', token: WORKER, url: socketUrl});

    worker.processor('remote', async () => {
      await release.promise;
    });
    t.teardown(async () => {
      release.resolve();
      await worker.close();
    });
    await connectAndDrop(socketUrl, {clientId: 'gone-client', concurrency: 1, jobs: [], name: 'gone-1', tasks: ['remote']});

    const {body: job} = await api<Job>('POST', '/v1/tasks/remote/jobs', {});
    const page = await context.newPage();

    await page.goto(`${url}/`);
    await page.getByLabel('Token (admin or read)').fill(READ);
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.getByRole('navigation', {name: 'Pages'}).getByRole('link', {name: 'Workers'}).click();
    await page.getByRole('heading', {name: 'Workers', exact: true}).waitFor();
    t.regex(page.url(), /#\/workers$/u);

    const connected = page.locator('section[aria-labelledby="connected-heading"]');
    const row = connected.locator('tr[data-worker="edge-1"]', {hasText: '1 / 3'});

    await row.waitFor();

    const text = await row.innerText();

    t.true(text.includes(worker.clientId));
    t.regex(text, /\bedge\b/u);
    t.regex(text, /remote, attempt 1/u);
    t.regex(await row.locator('.last-seen').innerText(), /^\d+ s ago$/u);
    t.is(await row.locator('meter').getAttribute('value'), '1');

    const away = page.locator('section[aria-labelledby="away-heading"] tr[data-worker="gone-1"]');

    await away.waitFor();
    t.regex(await away.innerText(), /away[\s\S]*gone-client[\s\S]*edge/u);
    t.is(await connected.locator('tr[data-worker="gone-1"]').count(), 0);

    await row.getByRole('link', {name: `#${job.id}`}).click();
    await page.locator('[data-state="RUNNING"]').waitFor();
    t.regex(page.url(), new RegExp(`#/jobs/${job.id}$`, 'u'));
    t.deepEqual(pageErrors, []);
  });
});
