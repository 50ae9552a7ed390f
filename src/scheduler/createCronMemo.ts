import {Cron} from 'croner';

export type CronMemo = {
  /** croner's first run strictly after `after` (milliseconds), or `null`. */
  readonly nextRun: (expression: string, timezone: string, after: number) => number | null;
  /** croner's last run strictly before `before` (milliseconds), or `null`. */
  readonly previousRun: (expression: string, timezone: string, before: number) => number | null;
};

/** Most answers (and Cron objects) kept; past it the memo starts afresh. */
const MAXIMUM_ENTRIES = 10_000;

/**
 * Memoised croner answers. A slot is a pure function of expression, time zone and instant, and
 * croner is slow (a Cron object costs ~0.25 ms to build, a run with an IANA zone ~0.2 ms): 1,000
 * per-second crons planned each second would take most of a core. Tasks sharing an expression share
 * the answers; 'UTC' uses croner's fixed-offset path (`utcOffset: 0`), which gives the same instants
 * without Intl and is several times faster.
 */
export const createCronMemo = (): CronMemo => {
  const crons = new Map<string, Cron>();
  const answers = new Map<string, number | null>();

  const getCron = (expression: string, timezone: string): Cron => {
    const key = `${timezone}\u0000${expression}`;
    let cron = crons.get(key);

    if (cron === undefined) {
      if (crons.size >= MAXIMUM_ENTRIES) {
        crons.clear();
      }

      cron = new Cron(expression, timezone === 'UTC' ? {mode: '5-or-6-parts', utcOffset: 0} : {mode: '5-or-6-parts', timezone});
      crons.set(key, cron);
    }

    return cron;
  };

  const remember = (key: string, compute: () => number | null): number | null => {
    const known = answers.get(key);

    if (known !== undefined) {
      return known;
    }

    if (answers.size >= MAXIMUM_ENTRIES) {
      answers.clear();
    }

    const value = compute();

    answers.set(key, value);

    return value;
  };

  return {
    nextRun: (expression, timezone, after) => remember(`n\u0000${timezone}\u0000${expression}\u0000${after}`, () => {
      return getCron(expression, timezone).nextRun(new Date(after))?.getTime() ?? null;
    }),
    previousRun: (expression, timezone, before) => remember(`p\u0000${timezone}\u0000${expression}\u0000${before}`, () => {
      return getCron(expression, timezone).previousRuns(1, new Date(before))[0]?.getTime() ?? null;
    }),
  };
};

/** The memo that calculateNextRun and calculatePreviousRun share: pure answers, so one per process is safe. */
export const cronMemo = createCronMemo();
