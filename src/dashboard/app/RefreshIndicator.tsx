import type {LiveOverview} from './useLiveOverview.ts';
import {POLL_INTERVAL} from './useLiveOverview.ts';

const LABELS: Readonly<Record<LiveOverview['mode'], string>> = {
  connecting: 'connecting…',
  live: 'live',
  polling: `refreshing every ${POLL_INTERVAL / 1000} s`,
};

const TITLES: Readonly<Record<LiveOverview['mode'], string>> = {
  connecting: 'Opening the live stream of the overview',
  live: 'The server pushes each change as it happens',
  polling: 'The live stream is down: the page asks the server again every few seconds, and tries the stream again',
};

/** How the data on the page stays fresh: pushed live, or polled while the stream is down. */
export const RefreshIndicator = ({mode}: {readonly mode: LiveOverview['mode']}) => (
  <p class={`refresh refresh-${mode}`} data-refresh={mode} title={TITLES[mode]}>{LABELS[mode]}</p>
);
