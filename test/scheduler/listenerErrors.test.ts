import test from 'ava';
import {runLoggedScript} from '../helpers/runLoggedScript.ts';

// In a child process, so the rejection before the fix kills a process of its own (as it kills a user's) and roarr can log.
test('a scheduler listener whose promise rejects is logged and the scheduler goes on (no unhandled rejection)', (t) => {
  const script = `
    import {createMemorySchedulerStore, createScheduler} from './src/scheduler/index.ts';
    const scheduler = await createScheduler({store: createMemorySchedulerStore(), syncInterval: 0, terminateTimeout: 0});
    // The scheduler's timers are unref()ed: hold the process open until the second job.
    const keepAlive = setInterval(() => {}, 1_000);
    let succeeded = 0;
    scheduler.events.on('succeeded', async () => {
      throw new Error('async listener broke');
    });
    scheduler.events.on('succeeded', () => {
      succeeded++;
      if (succeeded === 2) {
        void scheduler.terminate().then(() => {
          console.log(JSON.stringify({succeeded}));
          clearInterval(keepAlive);
        });
      }
    });
    await scheduler.schedule({name: 'often', schedule: {every: 20}, timeout: 5_000});
    scheduler.addProcessor('often', async () => {});
  `;
  const {lines, status, stderr} = runLoggedScript(script);

  t.is(status, 0, stderr);
  t.true(lines.some((line) => line.succeeded === 2), 'the scheduler went on to a second job');
  t.like(lines.find((line) => line.message === 'an event listener threw'), {
    context: {error: {message: 'async listener broke', name: 'Error'}, eventName: 'succeeded', logLevel: 50, package: 'planton'},
  });
});
