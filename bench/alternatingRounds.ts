/**
 * How benchmarks compare systems on a noisy machine: every system runs once per round, in a fresh
 * process; the pair the target compares (the first two systems) runs back to back, in turn first
 * and second (ABBA), after warm-up rounds that are not counted; and the pair's ratio is the median
 * of the rounds' own ratios, so a slower spell of the machine between rounds cancels out (a ratio of
 * two medians does not).
 */

export type Sample = Record<string, unknown>;

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);

  return sorted.length % 2 === 1 ? sorted[middle] ?? Number.NaN : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** a / b rounded to 0.01, or null when either is not a number (a failed measurement) or b is not positive. */
export const ratio = (a: unknown, b: unknown): number | null => {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? Math.round((a / b) * 100) / 100 : null;
};

/** The order of the systems in `round`: the pair first, swapped in odd rounds, the others reversed with it. */
export const orderOfRound = <System>(systems: readonly System[], round: number): readonly System[] => {
  return Math.abs(round) % 2 === 0 ? systems : [...systems.slice(0, 2).reverse(), ...systems.slice(2).reverse()];
};

/**
 * Runs `warmUpRounds` uncounted rounds, then `rounds` rounds of `measure(system)` in the alternating
 * order. A measurement that returns `skipped` takes its system out of every later round. Resolves
 * with each system's samples, one per counted round in round order (failed ones included, with
 * their `error`), and the skipped systems with their reason.
 */
export const runAlternatingRounds = async ({measure, rounds, systems, warmUpRounds, warn = (message) => process.stderr.write(`${message}\n`)}: {
  readonly measure: (system: string) => Promise<Sample>;
  readonly rounds: number;
  readonly systems: readonly string[];
  readonly warmUpRounds: number;
  readonly warn?: (message: string) => void;
}): Promise<{readonly samples: ReadonlyMap<string, readonly Sample[]>; readonly skipped: ReadonlyMap<string, unknown>}> => {
  if (rounds % 2 === 1) {
    warn(`${rounds} rounds is odd: ${String(systems[0])} runs first in one round more than ${String(systems[1])}.`);
  }

  const samples = new Map<string, Sample[]>();
  const skipped = new Map<string, unknown>();

  for (let round = -warmUpRounds; round < rounds; round++) {
    for (const system of orderOfRound(systems, round)) {
      if (skipped.has(system)) {
        continue;
      }

      const sample = await measure(system);

      if (sample.skipped !== undefined) {
        skipped.set(system, sample.skipped);
      } else if (round >= 0) {
        samples.set(system, [...samples.get(system) ?? [], sample]);
      }
    }
  }

  return {samples, skipped};
};

/**
 * The median of the rounds' own ratios `metric(numerator) / metric(denominator)` (rounded to 0.01),
 * and each round's ratio (null where a measurement failed).
 */
export const medianOfRatios = (
  numerators: readonly Sample[],
  denominators: readonly Sample[],
  metric: (sample: Sample) => unknown,
): {readonly median: number | null; readonly roundRatios: ReadonlyArray<number | null>} => {
  const roundRatios = numerators.map((sample, round) => {
    const denominator = denominators[round];

    return denominator === undefined ? null : ratio(metric(sample), metric(denominator));
  });
  const paired = roundRatios.filter((value): value is number => value !== null);

  return {median: paired.length > 0 ? Math.round(median(paired) * 100) / 100 : null, roundRatios};
};
