import type {ReportError} from '../../planton/createErrorReporter.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {StoreBackgroundError} from '../errors.ts';
import type {StoreEvents, SubscribeConfiguration, WakeReason} from '../types.ts';

/** The MySQL store's subscriptions: what its writes and its poll wake, in this process only (MySQL has no notifications). */
export type MysqlSubscriptions = {
  /** Forgets every subscription (the store is terminating). */
  readonly clear: () => void;
  /** Adds a subscription; returns its unsubscribe function. */
  readonly subscribe: (configuration: SubscribeConfiguration) => () => Promise<void>;
  /** Wakes every subscription (the poll). */
  readonly wakeAll: (reason: WakeReason) => void;
  /** Wakes the subscriptions to these tasks. */
  readonly wakeTasks: (taskNames: readonly string[], reason: WakeReason) => void;
};

/** A wake-up callback that throws is reported (`STORE_BACKGROUND_ERROR`, WAKE); the others are still woken. */
export const createMysqlSubscriptions = <Instruction extends TaskInstruction>({reportError}: {
  readonly reportError: ReportError<StoreEvents<Instruction>['error']>;
}): MysqlSubscriptions => {
  const subscriptions = new Set<SubscribeConfiguration>();

  const wake = (subscription: SubscribeConfiguration, reason: WakeReason) => {
    try {
      subscription.onWake(reason);
    } catch (error) {
      reportError({error: new StoreBackgroundError('WAKE', error)}, 'a wake-up callback threw');
    }
  };

  return {
    clear: () => {
      subscriptions.clear();
    },
    subscribe: ({onWake, taskName}) => {
      // A subscription of its own, even for a configuration object given twice.
      const subscription: SubscribeConfiguration = {onWake, taskName};

      subscriptions.add(subscription);

      return async () => {
        subscriptions.delete(subscription);
      };
    },
    wakeAll: (reason) => {
      for (const subscription of subscriptions) {
        wake(subscription, reason);
      }
    },
    wakeTasks: (taskNames, reason) => {
      for (const subscription of subscriptions) {
        if (taskNames.includes(subscription.taskName)) {
          wake(subscription, reason);
        }
      }
    },
  };
};
