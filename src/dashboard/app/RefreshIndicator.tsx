/** How a live page stays fresh: `live` (the server pushes each change), `polling` (the stream is down), `connecting` (neither yet). */
export type RefreshMode = 'connecting' | 'live' | 'polling';

const TITLES: Readonly<Record<RefreshMode, string>> = {
  connecting: 'Opening the live stream',
  live: 'The server pushes each change as it happens',
  polling: 'The live stream is down: the page asks the server again every few seconds, and tries the stream again',
};

/** How the data on the page stays fresh: pushed live, or polled every `interval` ms while the stream is down. */
export const RefreshIndicator = ({interval, mode}: {readonly interval: number; readonly mode: RefreshMode}) => (
  <p class={`refresh refresh-${mode}`} data-refresh={mode} title={TITLES[mode]}>
    {mode === 'live' ? 'live' : mode === 'polling' ? `refreshing every ${interval / 1000} s` : 'connecting…'}
  </p>
);
