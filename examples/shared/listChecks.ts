import type {Check, SeedCounts} from './types.ts';

/** A row as a driver returns it: counts may come as numbers, bigints or decimal strings, or be missing (NULL). */
type Row = Readonly<Record<string, unknown>>;

const count = (value: unknown): number => Number(value ?? 0);

/**
 * What the database says after a run (each example's verifyDatabase counts it in its SQL), next to
 * what the seed implies: nothing eligible left, nothing outside the conditions touched, and every
 * instruction completed exactly once. Pure.
 */
export const listChecks = ({accounts, executions, seed, taskNames}: {
  /** user_account counted: users, purgeEligible, deleted, emailsDue, emailsSent, emailsFutureUnsent, emailsFutureSent. */
  readonly accounts: Row;
  /** A row a task: taskName, completed, completedInstructions, running. */
  readonly executions: readonly Row[];
  readonly seed: SeedCounts;
  readonly taskNames: {readonly email: string; readonly purge: string};
}): readonly Check[] => {
  const of = (taskName: string) => {
    const row = executions.find((candidate) => candidate.taskName === taskName);

    return {completed: count(row?.completed), completedInstructions: count(row?.completedInstructions), running: count(row?.running)};
  };
  const purge = of(taskNames.purge);
  const email = of(taskNames.email);

  return [
    {actual: count(accounts.purgeEligible), expected: 0, label: 'accounts soft-deleted over 14 days ago left'},
    {actual: count(accounts.emailsDue), expected: 0, label: 'due emails left unsent'},
    {actual: count(accounts.deleted), expected: seed.recentlyDeleted, label: 'recently soft-deleted accounts kept'},
    {actual: count(accounts.users), expected: seed.users - seed.purgeEligible, label: 'accounts left'},
    {actual: count(accounts.emailsFutureUnsent), expected: seed.emailsFuture, label: 'future emails unsent'},
    {actual: count(accounts.emailsFutureSent), expected: 0, label: 'future emails sent'},
    {actual: count(accounts.emailsSent), expected: seed.emailsAlreadySent + seed.emailsDue, label: 'emails sent, before and during the run'},
    {actual: purge.completed, expected: seed.purgeEligible, label: `${taskNames.purge} executions completed`},
    {actual: purge.completedInstructions, expected: seed.purgeEligible, label: `${taskNames.purge} distinct instructions completed`},
    {actual: email.completed, expected: seed.emailsDue, label: `${taskNames.email} executions completed`},
    {actual: email.completedInstructions, expected: seed.emailsDue, label: `${taskNames.email} distinct instructions completed`},
    {actual: purge.running + email.running, expected: 0, label: 'executions still running'},
  ];
};
