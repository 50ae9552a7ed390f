import test from 'ava';
import {createPlanton, type ErrorEvent} from '../../src/index.ts';
import {runLoggedScript} from '../helpers/runLoggedScript.ts';
import {type Engine, type Outcome, planton3ConfigurationFailures, planton3Failures, runConfigurationFailure, runFailure} from './helpers/planton3Failures.ts';

/** planton@3's outcome of every failure of the tables, run once in a child process (where its unhandled rejections and stray loops are harmless). */
let planton3Outcomes: Readonly<Record<string, Outcome>> = {};

/** The code planton@3 throws for each configuration of the table. */
let planton3Codes: Readonly<Record<string, string | null>> = {};

test.before(() => {
  const {lines, status, stderr} = runLoggedScript(`
    import {createPlanton} from 'planton-v3';
    import {planton3ConfigurationFailures, planton3Failures, runConfigurationFailure, runFailure} from './test/planton/helpers/planton3Failures.ts';
    const outcomes = {};
    const codes = {};
    for (const failure of planton3ConfigurationFailures) {
      codes[failure.title] = runConfigurationFailure(createPlanton, failure);
    }
    for (const failure of planton3Failures) {
      const {code, event, isThrown} = await runFailure(createPlanton, failure, true);
      outcomes[failure.title] = {code, event, isThrown};
    }
    console.log(JSON.stringify({codes, outcomes}));
    // A loop that died by an unhandled rejection never lets planton@3's terminate() resolve.
    process.exit(0);
  `);

  if (status !== 0) {
    throw new Error(`Running planton@3 failed: ${stderr}`);
  }

  const line = lines.find(({outcomes}) => outcomes !== undefined);

  planton3Outcomes = line?.outcomes as Record<string, Outcome>;
  planton3Codes = line?.codes as Record<string, string | null>;
});

for (const failure of planton3ConfigurationFailures) {
  test(`planton@3 compatibility: createPlanton with ${failure.title} throws planton@3's code`, (t) => {
    t.is(planton3Codes[failure.title], failure.code, 'planton@3 throws what the table says');
    t.is(runConfigurationFailure(createPlanton as unknown as Engine, failure), failure.code);
  });
}

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
