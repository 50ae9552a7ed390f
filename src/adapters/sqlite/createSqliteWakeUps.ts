import type {ReportError} from '../../planton/createErrorReporter.ts';
import type {TaskInstruction} from '../../planton/types.ts';
import {StoreBackgroundError} from '../errors.ts';
import type {StoreEvents, SubscribeConfiguration, WakeReason} from '../types.ts';
import type {SqliteQueries} from './createSqliteQueries.ts';

type Subscription = {readonly onWake: SubscribeConfiguration['onWake']; readonly taskName: string};

/**
 * The SQLite store's wake-ups. SQLite has no LISTEN/NOTIFY: a write of this process wakes its
 * subscribers at once (`wakeTasks`), and `poll` (the store runs it every `pollInterval`) reads the
 * file's `PRAGMA data_version`, which changes when another connection committed (another process,
 * or another store on the file), and then wakes every subscription, whatever the task: SQLite
 * does not say what changed. A task woken for nothing runs one round and finds no work.
 */
export const createSqliteWakeUps = <Instruction extends TaskInstruction>({queries, reportError}: {
  readonly queries: SqliteQueries;
  readonly reportError: ReportError<StoreEvents<Instruction>['error']>;
}) => {
  const subscriptions = new Set<Subscription>();
  let dataVersion = queries.readDataVersion();

  const wake = (subscription: Subscription, reason: WakeReason) => {
    try {
      subscription.onWake(reason);
    } catch (error) {
      reportError({error: new StoreBackgroundError('WAKE', error)}, 'a wake-up callback threw');
    }
  };

  /** Wakes this store's subscriptions to the tasks (every one when `taskNames` is null). */
  const wakeTasks = (taskNames: readonly string[] | null, reason: WakeReason) => {
    for (const subscription of [...subscriptions]) {
      if (taskNames === null || taskNames.includes(subscription.taskName)) {
        wake(subscription, reason);
      }
    }
  };

  return {
    clear: () => {
      subscriptions.clear();
    },
    /** Wakes every subscription when another connection committed to the file since the last poll. */
    poll: () => {
      const version = queries.readDataVersion();

      if (version !== dataVersion) {
        dataVersion = version;
        wakeTasks(null, 'NOTIFICATION');
      }
    },
    subscribe: (configuration: SubscribeConfiguration): (() => Promise<void>) => {
      const subscription = {onWake: configuration.onWake, taskName: configuration.taskName};

      subscriptions.add(subscription);

      return async () => {
        subscriptions.delete(subscription);
      };
    },
    wakeTasks,
  };
};
