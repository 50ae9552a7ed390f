import {useCallback, useEffect, useState} from 'preact/hooks';
import {ApiError, request} from './api.ts';
import type {RefreshMode} from './RefreshIndicator.tsx';
import type {Overview} from './types.ts';
import {useEventSource} from './useEventSource.ts';
import {usePolling} from './usePolling.ts';
import {useTick} from './useTick.ts';

/** Milliseconds between two requests of the overview while its stream is down. */
export const POLL_INTERVAL = 3000;

export type LiveOverview = {
  readonly data: Overview | null;
  readonly error: Error | null;
  /** `live`: the server pushes each change; `polling`: the stream is down, the page asks every 3 s; `connecting`: neither yet. */
  readonly mode: RefreshMode;
  /** Loads the overview now (after an action). */
  readonly reload: () => void;
};

const load = async () => await request<Overview>('GET', '/v1/overview');

/**
 * The overview, pushed by the server over `GET /v1/overview/stream` (Server-Sent Events). While the
 * stream is down (refused, broken, silent) it falls back to polling `GET /v1/overview`; the stream
 * is tried again meanwhile, and once it brings an overview the polling stops. Never both at once.
 */
export const useLiveOverview = (): LiveOverview => {
  const [data, setData] = useState<Overview | null>(null);
  const [streamError, setStreamError] = useState<Error | null>(null);
  const status = useEventSource('/v1/overview/stream', 'overview', {
    error: (body) => {
      const {code, message} = body as {readonly code: string; readonly message: string};

      setStreamError(new ApiError(503, code, message));
    },
    overview: (body) => {
      setData(body as Overview);
      setStreamError(null);
    },
  });
  const polling = status === 'down' || status === 'ended';
  const polled = usePolling(load, POLL_INTERVAL, 'overview', polling);

  // The ages on the page (`8 s ago`) move on between two changes.
  useTick(POLL_INTERVAL);

  useEffect(() => {
    if (polled.data !== null) {
      setData(polled.data);
    }
  }, [polled.data]);

  const {reload: reloadPolled} = polled;
  const reload = useCallback(() => {
    if (polling) {
      reloadPolled();

      return;
    }

    // The stream brings the change too; this answers sooner than its next read.
    load().then(setData, (error: unknown) => {
      setStreamError(error as Error);
    });
  }, [polling, reloadPolled]);

  return {
    data,
    error: polling ? polled.error : streamError,
    mode: status === 'live' ? 'live' : polling ? 'polling' : 'connecting',
    reload,
  };
};
