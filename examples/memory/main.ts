/**
 * The engine on its own, no database: 1,000 "emails" in an array, a task that claims them ten at a
 * time, and a worker that completes each after a few milliseconds. Ends with a summary.
 */
import {setTimeout as delay} from 'node:timers/promises';
import {createPlanton} from '../../src/index.ts';

const TOTAL = 1_000;
const pending = Array.from({length: TOTAL}, (_, index) => index + 1);
const active = new Set<number>();
let sent = 0;
let errors = 0;

const planton = createPlanton<number>({
  getActiveTaskInstructions: () => {
    return [...active];
  },
  tasks: [
    {
      calculateDelay: (attemptNumber) => {
        return attemptNumber === 0 ? 0 : Math.min(attemptNumber * 10, 100);
      },
      concurrency: 50,
      name: 'send_user_email',
      schedule: ({limit}) => {
        const claimed = pending.splice(0, limit);

        for (const id of claimed) {
          active.add(id);
        }

        return claimed;
      },
    },
  ],
});

const startedAt = performance.now();

planton.events.on('error', ({error, taskName}) => {
  errors++;
  process.stderr.write(`${taskName}: ${error.code} ${error.message}\n`);
});

planton.events.on('task', ({instruction}) => {
  void delay(1 + (instruction % 5)).then(() => {
    active.delete(instruction);
    sent++;

    if (sent % 250 === 0) {
      process.stdout.write(`sent ${sent}/${TOTAL}\n`);
    }

    // A finished execution frees a slot: wake the loop instead of waiting out its delay.
    planton.trigger('send_user_email');
  });
});

while (sent < TOTAL) {
  await delay(20);
}

await planton.terminate();

const seconds = (performance.now() - startedAt) / 1_000;
const stats = planton.getStats().send_user_email;

process.stdout.write(`done: ${sent} emails sent in ${seconds.toFixed(2)} s (${Math.round(sent / seconds)}/s), ${stats?.rounds ?? 0} rounds, ${errors} errors\n`);
