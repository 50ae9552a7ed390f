import {useEffect, useRef, useState} from 'preact/hooks';
import {toServerUrl} from './api.ts';

/**
 * `connecting`: opened, nothing received yet; `live`: the server's events arrive; `down`: it failed
 * before its first event or the connection broke (EventSource reconnects by itself; one the browser
 * gave up, after an error answer, is opened again `RETRY_DELAY` later), until events arrive again;
 * `ended`: a handler closed it.
 */
export type StreamStatus = 'connecting' | 'down' | 'ended' | 'live';

/**
 * By event name: called with the event's `data` parsed as JSON, what closes the stream, and the
 * event's `id` (`''` without one). `error` gets the server's `error` events.
 */
export type StreamHandlers = Readonly<Record<string, (data: unknown, close: () => void, id: string) => void>>;

/** Milliseconds a stream may stay silent after it was opened before it counts as `down`. */
const CONNECT_TIMEOUT = 5000;

/** Milliseconds before a stream the browser gave up is opened again. */
const RETRY_DELAY = 15_000;

/**
 * Follows a Server-Sent Events route of the API (same origin: the session cookie authenticates it)
 * and tells how it stands, so that a view polls only while it is `down`. `key` reopens it. The
 * handlers may change from one render to the next; the event names they answer may not.
 */
export const useEventSource = (url: string, key: string, handlers: StreamHandlers): StreamStatus => {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const current = useRef(handlers);

  current.current = handlers;

  useEffect(() => {
    let source: EventSource | null = null;
    let stopped = false;
    let connectTimer: number | undefined;
    let retryTimer: number | undefined;

    const stop = () => {
      stopped = true;
      window.clearTimeout(connectTimer);
      window.clearTimeout(retryTimer);
      source?.close();
    };

    const close = () => {
      stop();
      setStatus('ended');
    };

    const open = () => {
      const opened = new EventSource(toServerUrl(url));

      source = opened;

      const receive = (name: string, event: MessageEvent<string>) => {
        if (stopped) {
          return;
        }

        window.clearTimeout(connectTimer);
        setStatus('live');
        current.current[name]?.(JSON.parse(event.data) as unknown, close, event.lastEventId);
      };

      for (const name of Object.keys(current.current)) {
        if (name !== 'error') {
          opened.addEventListener(name, (event) => {
            receive(name, event as MessageEvent<string>);
          });
        }
      }

      opened.addEventListener('error', (event) => {
        // The server's own `error` event (a read failed, the stream goes on) is a MessageEvent; a
        // failed or broken connection is a plain Event.
        if (event instanceof MessageEvent) {
          receive('error', event as MessageEvent<string>);

          return;
        }

        if (stopped) {
          return;
        }

        window.clearTimeout(connectTimer);
        setStatus('down');

        if (opened.readyState === EventSource.CLOSED) {
          retryTimer = window.setTimeout(open, RETRY_DELAY);
        }
      });
    };

    setStatus('connecting');
    connectTimer = window.setTimeout(() => {
      setStatus((previous) => previous === 'connecting' ? 'down' : previous);
    }, CONNECT_TIMEOUT);
    open();

    return stop;
  }, [url, key]);

  return status;
};
