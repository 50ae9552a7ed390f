import test from 'ava';
import {createPlanton, type ErrorEvent} from '../../src/index.ts';
import {runLoggedScript} from '../helpers/runLoggedScript.ts';
import {type Engine, type Outcome, planton3Failures, runFailure} from './helpers/planton3Failures.ts';

/** planton@3's outcome of every failure of the table, run once in a child process (where its unhandled rejections are harmless). */
let planton3Outcomes: Readonly<Record<string, Outcome>> = {};

test.before(() => {
  const {lines, status, stderr} = runLoggedScript(`
    import {createPlanton} from 'planton-v3';
    import {planton3Failures, runFailure} from './test/planton/helpers/planton3Failures.ts';
    const outcomes = {};
    for (const failure of planton3Failures) {
      const {code, event, isThrown} = await runFailure(createPlanton, failure, true);
      outcomes[failure.title] = {code, event, isThrown};
    }
    console.log(JSON.stringify({outcomes}));
    // A loop that died by an unhandled rejection never lets planton@3's terminate() resolve.
    process.exit(0);
  `);

  if (status !== 0) {
    throw new Error(`Running planton@3 failed: ${stderr}`);
  }

  planton3Outcomes = lines.find((line) => line.outcomes !== undefined)?.outcomes as Record<string, Outcome>;
});

for (const failure of planton3Failures) {
  test(`planton@3 compatibility: ${failure.title}`, async (t) => {
    const outcome = await runFailure(createPlanton as unknown as Engine, failure);

    t.deepEqual(planton3Outcomes[failure.title], failure.planton3, 'planton@3 does what the table says');
    t.deepEqual({code: outcome.code, event: outcome.event, isThrown: outcome.isThrown}, failure.planton ?? failure.planton3);
  });
}

test('the error event names the user function at fault beside the original error', async (t) => {
  const thrown = new Error('the database is down');
  const planton = createPlanton({
    getActiveTaskInstructions: () => [],
    tasks: [{calculateDelay: () => 10, name: 'purge', schedule: () => {
      throw thrown;
    }}],
  });
  const event = await new Promise<ErrorEvent>((resolve) => {
    planton.events.once('error', resolve);
  });

  await planton.terminate();
  t.deepEqual(event, {error: thrown, functionName: 'schedule', taskName: 'purge'});
});
