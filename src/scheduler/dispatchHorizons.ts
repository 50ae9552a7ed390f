/**
 * How far ahead (milliseconds) slots get their jobs: a round that plans creates those up to now + this.
 * Slots not yet due are planned in the background (claims never wait for it); due ones (after
 * downtime, a new task) within the round, before its claim.
 */
export const MATERIALIZE_AHEAD = 3_000;

/**
 * A round plans slots when a task's next slot without a job is this close (milliseconds): about every
 * `MATERIALIZE_AHEAD - MATERIALIZE_WHEN`, 300 ms past the whole second when slots fall on whole
 * seconds (as cron slots do), away from the claims and starts around them.
 */
export const MATERIALIZE_WHEN = 1_700;

/**
 * How far ahead (milliseconds) due jobs are claimed; each then starts from a local timer at its
 * `runAt`. It covers a claim's round trips on a loaded machine; a job of a task at its concurrency
 * is claimed when a running one ends.
 */
export const CLAIM_AHEAD = 400;

/** Most jobs claimed per statement; a full batch is followed by another round at once. */
export const CLAIM_BATCH = 2_000;
