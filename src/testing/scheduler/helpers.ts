import type {JobRecord, Scheduler} from '../../scheduler/index.ts';
import type {KitAssertions} from '../types.ts';

export const MINUTE = 60_000;

export const iso = (value: Date | number) => new Date(value).toISOString();

/** An instant of 2026-01-01 (UTC), where the scheduler tests' clock starts. */
export const at = (time: string) => `2026-01-01T${time}.000Z`;

/** A date no test reaches: a one-shot there never runs, and its jobs stay as they are made. */
export const FAR = '2027-01-01T00:00:00.000Z';

/** Asserts that `promise` rejects with an error like `expected` (fields such as `option` included). */
export const rejects = async (t: KitAssertions, promise: Promise<unknown>, expected: Record<string, unknown>) => {
  t.like(await t.throwsAsync(promise), expected);
};

/** Every page of a listing, following `nextCursor`. */
export const listAll = async (scheduler: Scheduler, query: Parameters<Scheduler['listJobs']>[0] = {}): Promise<JobRecord[][]> => {
  const pages: JobRecord[][] = [];
  let after: string | null = query.after ?? null;

  do {
    const page = await scheduler.listJobs({...query, after});

    pages.push([...page.jobs]);
    after = page.nextCursor;
  } while (after !== null);

  return pages;
};
