import {useCallback, useEffect, useRef, useState} from 'preact/hooks';

export type Polled<T> = {
  readonly data: T | null;
  readonly error: Error | null;
  /** Loads now (after an action), then keeps the interval. */
  readonly reload: () => void;
};

/**
 * Calls `load` now and `interval` ms after each answer, never two at once, and not while the tab is
 * hidden (it loads again as soon as it is shown): one request per view at a time, no storm. While
 * `enabled` is false (a stream brings the data instead) it loads nothing and keeps what it has; it
 * loads at once when enabled again.
 */
export const usePolling = <T>(load: () => Promise<T>, interval: number, key: string, enabled = true): Polled<T> => {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const wake = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!enabled) {
      wake.current = () => undefined;

      return undefined;
    }

    let stopped = false;
    let timer: number | undefined;
    let loading = false;

    const run = async () => {
      window.clearTimeout(timer);

      if (stopped || loading || document.hidden) {
        return;
      }

      loading = true;

      try {
        const next = await load();

        if (!stopped) {
          setData(next);
          setError(null);
        }
      } catch (caught) {
        if (!stopped) {
          setError(caught as Error);
        }
      } finally {
        loading = false;
      }

      if (!stopped) {
        timer = window.setTimeout(run, interval);
      }
    };

    const onVisibility = () => {
      if (!document.hidden) {
        void run();
      }
    };

    wake.current = () => {
      void run();
    };
    document.addEventListener('visibilitychange', onVisibility);
    void run();

    return () => {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [key, enabled]);

  const reload = useCallback(() => {
    wake.current();
  }, []);

  return {data, error, reload};
};
