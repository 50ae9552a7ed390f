import {useCallback, useEffect, useRef, useState} from 'preact/hooks';
import type {RefreshMode} from './RefreshIndicator.tsx';
import {taskChangeKey} from './taskChangeKey.ts';
import type {Overview} from './types.ts';
import {useEventSource} from './useEventSource.ts';
import {usePolling} from './usePolling.ts';
import {useTick} from './useTick.ts';

/** Milliseconds between two loads of the task's view while the overview's stream is down. */
export const TASK_POLL_INTERVAL = 5000;

/** Least milliseconds between the starts of two loads the stream asked for: a burst of changes costs one load a second. */
const MINIMUM_GAP = 1000;

/** What the live loader does when the stream tells of a change (`schedule`) or an action asks (`now`). */
type Loader = {readonly now: () => void; readonly schedule: () => void};

const IDLE: Loader = {now: () => undefined, schedule: () => undefined};

export type LiveTaskConfiguration<T> = {
  /** Loads the view (the task and the page of its jobs shown). May change from one render to the next. */
  readonly load: () => Promise<T>;
  /** The task whose entry in the overview is watched. */
  readonly name: string;
  /** Another view (filter, page): loaded at once. */
  readonly viewKey: string;
};

export type LiveTask<T> = {
  readonly data: T | null;
  readonly error: Error | null;
  readonly mode: RefreshMode;
  /** Loads the view now (after an action). */
  readonly reload: () => void;
};

/**
 * A task's page kept fresh by the overview's stream (`GET /v1/overview/stream`, the one read the
 * server shares among all its viewers): the view is loaded once the stream answers, then again only
 * when the task's entry or its running jobs changed in an overview it sent (`taskChangeKey`), at
 * most once per `MINIMUM_GAP`, never two loads at once, none while the tab is hidden. While the
 * stream is down it polls every `TASK_POLL_INTERVAL` instead; never both.
 */
export const useLiveTask = <T>({load, name, viewKey}: LiveTaskConfiguration<T>): LiveTask<T> => {
  const [data, setData] = useState<T | null>(null);
  const [liveError, setLiveError] = useState<Error | null>(null);
  const currentLoad = useRef(load);
  const lastChange = useRef<string | null>(null);
  const loader = useRef(IDLE);

  currentLoad.current = load;

  const status = useEventSource('/v1/overview/stream', 'overview', {
    overview: (body) => {
      const key = taskChangeKey(body as Overview, name);

      if (key !== lastChange.current) {
        lastChange.current = key;
        loader.current.schedule();
      }
    },
  });
  const live = status === 'live';
  const polling = status === 'down' || status === 'ended';
  const polled = usePolling(async () => await currentLoad.current(), TASK_POLL_INTERVAL, `${name}|${viewKey}`, polling);

  // The ages on the page (`in 8 s`) move on between two changes.
  useTick(TASK_POLL_INTERVAL);

  useEffect(() => {
    if (polled.data !== null) {
      setData(polled.data);
    }
  }, [polled.data]);

  useEffect(() => {
    if (!live) {
      loader.current = IDLE;

      return undefined;
    }

    let stopped = false;
    let loading = false;
    // A change came while a load ran or the tab was hidden: load again after.
    let pending = false;
    let lastStart = Number.NEGATIVE_INFINITY;
    let timer: number | undefined;

    const run = async () => {
      window.clearTimeout(timer);
      timer = undefined;

      if (stopped) {
        return;
      }

      if (loading || document.hidden) {
        pending = true;

        return;
      }

      loading = true;
      lastStart = Date.now();

      try {
        const next = await currentLoad.current();

        if (!stopped) {
          setData(next);
          setLiveError(null);
        }
      } catch (caught) {
        if (!stopped) {
          setLiveError(caught as Error);
        }
      } finally {
        loading = false;
      }

      if (pending && !stopped) {
        pending = false;
        schedule();
      }
    };

    const schedule = () => {
      if (loading || document.hidden) {
        pending = true;

        return;
      }

      timer ??= window.setTimeout(run, Math.max(0, lastStart + MINIMUM_GAP - Date.now()));
    };

    const onVisibility = () => {
      if (!document.hidden && pending) {
        pending = false;
        schedule();
      }
    };

    loader.current = {
      now: () => {
        void run();
      },
      schedule,
    };
    document.addEventListener('visibilitychange', onVisibility);
    // The stream's first overview, or another view: load at once.
    void run();

    return () => {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [live, name, viewKey]);

  const {reload: reloadPolled} = polled;
  const reload = useCallback(() => {
    if (polling) {
      reloadPolled();
    } else {
      loader.current.now();
    }
  }, [polling, reloadPolled]);

  return {
    data,
    error: polling ? polled.error : liveError,
    mode: live ? 'live' : polling ? 'polling' : 'connecting',
    reload,
  };
};
