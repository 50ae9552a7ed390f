import {useEffect, useState} from 'preact/hooks';

/**
 * Renders the component again every `interval` ms, so that what it computes from the time (`8 s
 * ago`) moves on while its data does not change (a stream sends only changes).
 */
export const useTick = (interval: number): void => {
  const [, setTick] = useState(0);

  useEffect(() => {
    const timer = window.setInterval(() => {
      setTick((tick) => tick + 1);
    }, interval);

    return () => {
      window.clearInterval(timer);
    };
  }, [interval]);
};
