import {setTimeout as delay} from 'node:timers/promises';

export type Email = {
  readonly subject: string;
  readonly to: string;
};

export type EmailSender = {
  readonly getSentCount: () => number;
  readonly send: (email: Email) => Promise<void>;
};

/**
 * Stands in for an email provider's API: each send takes `latency` milliseconds and succeeds.
 * Replace it with a real client; a send that throws fails that execution, and the email is retried.
 */
export const createFakeEmailSender = ({latency = 2}: {readonly latency?: number} = {}): EmailSender => {
  let sentCount = 0;

  return {
    getSentCount: () => sentCount,
    send: async ({subject, to}) => {
      if (to === '' || subject === '') {
        throw new TypeError('Expected an email with a recipient and a subject.');
      }

      await delay(latency);
      sentCount++;
    },
  };
};
