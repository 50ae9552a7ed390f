import type {EmailSender} from './createFakeEmailSender.ts';
import type {ExampleTask} from './types.ts';

/** An account whose email is due. */
export type Recipient = {
  readonly email: string;
  readonly id: number;
};

/**
 * send_user_email on any database: sends the emails that are due. Each instruction is a user id;
 * the handler sends the batch's emails concurrently and records the sent ones with one statement
 * (`markSent`, the database's SQL); the processor then completes their executions and fails those
 * whose send failed, so the email is claimed again later. Delivery is at least once: a crash
 * between the send and the update sends that email again.
 */
export const createEmailTask = <Claim>({claim, markSent, selectDue, sender}: {
  /** Due, unsent, not being sent by anyone else right now, earliest due first. */
  readonly claim: Claim;
  /** Records `ids` (never empty) as sent now, those not sent yet. */
  readonly markSent: (ids: readonly number[]) => Promise<void> | void;
  /** The accounts among `ids` whose email is still due (rows sent or deleted meanwhile are not sent; their executions still complete). */
  readonly selectDue: (ids: readonly number[]) => Promise<readonly Recipient[]> | readonly Recipient[];
  readonly sender: EmailSender;
}): ExampleTask<Claim> => {
  let sent = 0;

  return {
    claim,
    concurrency: 1_000,
    getDoneCount: () => sent,
    handleBatch: async (instructions) => {
      const recipients = await selectDue(instructions);
      const outcomes = await Promise.allSettled(recipients.map(async ({email}) => {
        await sender.send({subject: 'Your account summary', to: email});
      }));
      const failures = new Map<number, unknown>();

      for (const [index, {id}] of recipients.entries()) {
        const outcome = outcomes[index];

        if (outcome?.status === 'rejected') {
          failures.set(id, outcome.reason);
        }
      }

      const sentIds = recipients.map(({id}) => id).filter((id) => !failures.has(id));

      if (sentIds.length > 0) {
        await markSent(sentIds);
      }

      sent += sentIds.length;

      return failures;
    },
    maxBatchSize: 250,
    name: 'send_user_email',
    notifyColumns: ['email_due_at'],
  };
};
