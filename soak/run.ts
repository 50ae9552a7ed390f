/**
 * `npm run soak -- --minutes N` (N >= 3, default 10): one process runs the scheduler with 1,000
 * schedules (each every 10 s: 100 jobs a second) and a dispatcher (createPlanton + the PostgreSQL
 * store + connectSink to BullMQ) with its BullMQ worker, while 200 items a second are inserted:
 * steady load on a PostgreSQL server and a redis-server of its own (chaos/servers). RSS and heap are
 * sampled every 10 s, one JSON line each; at the end a table per minute and a verdict line. It passes
 * (exit code 0) when the last minute's median heap is within 10 % of the second minute's.
 */
import {setTimeout as delay} from 'node:timers/promises';
import {parseArgs} from 'node:util';
import {createPool, sql} from 'slonik';
import {z} from 'zod';
import {createPlanton} from '../src/index.ts';
import {connectSink, createBullMqSink, createBullMqWorker} from '../src/adapters/bullmq/index.ts';
import {createPgNotificationListener, createPostgresStore} from '../src/adapters/postgres/index.ts';
import {createPostgresSchedulerStore, createScheduler} from '../src/scheduler/index.ts';
import {createCleanup} from '../chaos/createCleanup.ts';
import {formatTable} from '../chaos/formatTable.ts';
import {startPostgresServer} from '../chaos/servers/startPostgresServer.ts';
import {startRedisServer} from '../chaos/servers/startRedisServer.ts';
import {TASK_NAME, createInstructionTables, insertItems, recordItemRun} from '../chaos/workload.ts';
import {median} from './median.ts';

const {values: options} = parseArgs({options: {minutes: {default: '10', type: 'string'}}});
const minutes = Number(options.minutes);

if (!Number.isInteger(minutes) || minutes < 3) {
  process.stderr.write(`Expected \`--minutes\` to be an integer >= 3 (the second minute is the reference), got \`${String(options.minutes)}\`.\n`);
  process.exit(2);
}

const SCHEDULES = 1_000;
const RATE = 200;
const SAMPLE_MS = 10_000;
const TOLERANCE = 0.1;
const schema = 'soak';
const cleanup = createCleanup();

const finish = async (code: number, message?: string) => {
  if (message !== undefined) {
    process.stderr.write(`soak: ${message}\n`);
  }

  await cleanup.run();
  process.exit(code);
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void finish(130, `${signal}: stopping what the soak started`);
  });
}

// The whole run is bounded: set-up, its minutes, shutdown.
const deadline = setTimeout(() => {
  void finish(1, 'the soak passed its deadline');
}, (minutes + 5) * 60_000);

const setUpStartedAt = Date.now();
const postgres = await startPostgresServer();

cleanup.add('postgres server', postgres.stop);

const redis = await startRedisServer();

cleanup.add('redis server', redis.stop);

const pool = await createPool(postgres.url, {maxPoolSize: 20});

cleanup.add('pool', async () => await pool.end());
await createInstructionTables(pool, schema);

// The scheduler: 1,000 schedules, every 10 s, whose processor does nothing but return.
const scheduler = await createScheduler({store: await createPostgresSchedulerStore({pool, schema})});
let jobsDone = 0;
let errors = 0;

cleanup.add('scheduler', async () => await scheduler.terminate());
scheduler.events.on('succeeded', () => {
  jobsDone++;
});
scheduler.events.on('error', () => {
  errors++;
});

// Written 50 at a time: one by one, 1,000 schedules took minutes on a loaded machine.
for (let first = 0; first < SCHEDULES; first += 50) {
  await Promise.all(Array.from({length: Math.min(50, SCHEDULES - first)}, async (_unused, offset) => {
    const name = `schedule-${first + offset}`;

    await scheduler.schedule({name, schedule: '10s', timeout: 10_000});
    scheduler.addProcessor(name, () => undefined);
  }));
}

process.stderr.write(`soak: ${SCHEDULES} schedules written in ${((Date.now() - setUpStartedAt) / 1_000).toFixed(1)} s; sampling for ${minutes} minute(s)\n`);

// The dispatcher with its sink and worker.
const store = await createPostgresStore<number>({listener: createPgNotificationListener({connectionUri: postgres.url}), pool, schema});

await store.registerTask({name: TASK_NAME});
await store.installNotifyTrigger({table: [schema, 'item'], taskName: TASK_NAME});

const planton = createPlanton<number>({
  getActiveTaskInstructions: store.getActiveTaskInstructions,
  tasks: [{
    concurrency: 200,
    name: TASK_NAME,
    schedule: store.createSchedule(({isActiveInstruction, limit}) => sql.type(z.object({id: z.number()}))`
      SELECT i.id FROM ${sql.identifier([schema, 'item'])} i
      WHERE i.done_at IS NULL AND NOT ${isActiveInstruction(sql.fragment`i.id`)}
      ORDER BY i.id LIMIT ${limit} FOR UPDATE SKIP LOCKED
    `),
  }],
});
const sink = createBullMqSink<number>({jobOptions: {removeOnComplete: true}, queueName: 'soak', url: redis.url});
const dispatch = connectSink({planton, sink, store});
const worker = createBullMqWorker<number>({
  concurrency: 50,
  processor: async ({executionId, instruction}) => {
    await recordItemRun(pool, {executionId: executionId ?? null, itemId: instruction, schema});
  },
  queueName: 'soak',
  store,
  url: redis.url,
});
let instructionsDone = 0;

worker.events.on('completed', () => {
  instructionsDone++;
});

for (const emitter of [planton.events, store.events, worker.events]) {
  (emitter as {on: (name: 'error', listener: () => void) => void}).on('error', () => {
    errors++;
  });
}

await store.subscribe({onWake: () => planton.trigger(TASK_NAME), taskName: TASK_NAME});
await worker.waitUntilReady();
cleanup.add('dispatcher', async () => {
  await planton.terminate();
  await dispatch.close();
  await sink.close();
  await worker.close();
  await store.terminate();
});

// Steady load: RATE items a second, in batches every 100 ms.
const startedAt = Date.now();
let inserted = 0;
let feeding = true;
const feeder = (async () => {
  while (feeding) {
    const due = Math.floor((Date.now() - startedAt) / 1_000 * RATE);

    if (due > inserted) {
      await insertItems(pool, {from: inserted + 1, schema, to: due}).then(() => {
        inserted = due;
      }, () => undefined);
    }

    await delay(100);
  }
})();

type Sample = {readonly heapUsedMB: number; readonly jobsDone: number; readonly instructionsDone: number; readonly minute: number; readonly rssMB: number; readonly second: number};

const samples: Sample[] = [];
const toMB = (bytes: number) => Math.round(bytes / 1_048_576 * 10) / 10;

for (let elapsed = SAMPLE_MS; elapsed <= minutes * 60_000; elapsed += SAMPLE_MS) {
  await delay(startedAt + elapsed - Date.now());

  const {heapUsed, rss} = process.memoryUsage();
  const sample = {heapUsedMB: toMB(heapUsed), instructionsDone, jobsDone, minute: Math.ceil(elapsed / 60_000), rssMB: toMB(rss), second: elapsed / 1_000};

  samples.push(sample);
  process.stdout.write(`${JSON.stringify({soak: 'sample', ...sample, errors, inserted})}\n`);
}

feeding = false;
await feeder;

const byMinute = Array.from({length: minutes}, (_unused, index) => samples.filter(({minute}) => minute === index + 1));
const rows = byMinute.map((list, index) => {
  const previous = byMinute[index - 1]?.at(-1);
  const last = list.at(-1);

  return {
    heapMB: median(list.map(({heapUsedMB}) => heapUsedMB)),
    instructions: (last?.instructionsDone ?? 0) - (previous?.instructionsDone ?? 0),
    jobs: (last?.jobsDone ?? 0) - (previous?.jobsDone ?? 0),
    minute: index + 1,
    rssMB: median(list.map(({rssMB}) => rssMB)),
  };
});
const reference = rows[1]!.heapMB;
const final = rows.at(-1)!.heapMB;
const change = (final - reference) / reference;
const passed = Math.abs(change) <= TOLERANCE;

process.stdout.write(`\n${formatTable(
  ['minute', 'median RSS', 'median heap', 'jobs done', 'instructions done'],
  rows.map((row) => [String(row.minute), `${row.rssMB.toFixed(1)} MB`, `${row.heapMB.toFixed(1)} MB`, row.jobs.toLocaleString('en-US'), row.instructions.toLocaleString('en-US')]),
)}\n`);
process.stdout.write(`${JSON.stringify({
  soak: 'verdict',
  minutes,
  schedules: SCHEDULES,
  itemsPerSecond: RATE,
  secondMinuteHeapMB: reference,
  lastMinuteHeapMB: final,
  change: Math.round(change * 1_000) / 10,
  tolerance: TOLERANCE * 100,
  errors,
  inserted,
  instructionsDone,
  jobsDone,
  passed,
})}\n`);

clearTimeout(deadline);
await finish(passed ? 0 : 1);
