/**
 * How every fuzz test runs a fast-check property: one seed for the whole run (PLANTON_FUZZ_SEED,
 * fixed by default so CI is repeatable), a bounded number of runs and of time, and a failure that
 * says how to replay it.
 */
import fc from 'fast-check';

/** The seed when PLANTON_FUZZ_SEED is not set: fixed, so a CI run is repeatable. */
const DEFAULT_SEED = 20_261_203;

const readInteger = (variable: string, fallback: number): number => {
  const text = process.env[variable];

  if (text === undefined || text === '') {
    return fallback;
  }

  if (text === 'random') {
    return Math.trunc(Math.random() * 0x7F_FF_FF_FF);
  }

  const value = Number(text);

  if (!Number.isSafeInteger(value)) {
    throw new Error(`Expected ${variable} to be an integer or \`random\`, got ${JSON.stringify(text)}.`);
  }

  return value;
};

/** The seed of this run: PLANTON_FUZZ_SEED (an integer, or `random` for a new one each run), else fixed. */
export const FUZZ_SEED = readInteger('PLANTON_FUZZ_SEED', DEFAULT_SEED);

/** Multiplies every property's number of runs (PLANTON_FUZZ_RUNS=10 for a longer campaign). */
const RUNS_FACTOR = readInteger('PLANTON_FUZZ_RUNS', 1);

/** A counterexample's path (printed on failure): with the seed, replays that one case at once. */
const REPLAY_PATH = process.env.PLANTON_FUZZ_PATH || undefined;

/** Longest line of a failure report. */
const MAX_LINE = 2_000;

export type RunPropertyConfiguration = {
  /** Runs at the default factor (PLANTON_FUZZ_RUNS multiplies it). */
  readonly numRuns: number;
  /**
   * Wall-clock budget of the whole property, in milliseconds: past it fast-check stops generating
   * (the runs done so far count), so a loaded machine makes the run shorter, never a timeout; at
   * least one case always runs.
   * @default 10000
   */
  readonly timeLimit?: number;
};

/**
 * Checks `property` and throws, on a counterexample, fast-check's report headed by the variables
 * that replay it: `PLANTON_FUZZ_SEED=… PLANTON_FUZZ_PATH=… npx ava <file>`.
 */
export const runProperty = async <Ts>(property: fc.IRawProperty<Ts>, {numRuns, timeLimit = 10_000}: RunPropertyConfiguration): Promise<void> => {
  const check = async (limit: number | undefined, runs: number) => await fc.check(property, {
    interruptAfterTimeLimit: limit,
    numRuns: runs,
    path: REPLAY_PATH,
    seed: FUZZ_SEED,
  });
  // Replaying one path ignores the time limit: that run must happen whatever the load.
  let details = await check(REPLAY_PATH === undefined ? timeLimit : undefined, numRuns * RUNS_FACTOR);

  // A limit that passed before a first case ended (a loaded machine, a slow database) checked
  // nothing and reads as a failure without a counterexample: the first case then runs whatever the time.
  if (details.interrupted && details.numRuns === 0) {
    details = await check(undefined, 1);
  }

  if (details.failed) {
    const failure = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    // A counterexample may be a megabyte string or a value 100,000 levels deep: its lines are cut.
    const report = (fc.defaultReportMessage(details) ?? '').split('\n').map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length} characters)` : line)).join('\n');

    throw new Error(`Replay with PLANTON_FUZZ_SEED=${details.seed} PLANTON_FUZZ_PATH=${details.counterexamplePath ?? ''}\n${report}\nFailure: ${failure.slice(0, MAX_LINE)}`, {cause: details.errorInstance});
  }
};
