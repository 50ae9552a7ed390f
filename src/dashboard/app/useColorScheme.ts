import {useEffect, useState} from 'preact/hooks';

export type ColorScheme = 'dark' | 'light';

const query = () => globalThis.matchMedia('(prefers-color-scheme: dark)');

/** The system's color scheme, followed as it changes: charts drawn on a canvas redraw with the colours of the scheme. */
export const useColorScheme = (): ColorScheme => {
  const [scheme, setScheme] = useState<ColorScheme>(() => query().matches ? 'dark' : 'light');

  useEffect(() => {
    const media = query();
    const update = () => {
      setScheme(media.matches ? 'dark' : 'light');
    };

    media.addEventListener('change', update);

    return () => {
      media.removeEventListener('change', update);
    };
  }, []);

  return scheme;
};

/** A colour of the page's palette (a custom property of styles.css) as the current scheme sets it. */
export const cssColor = (name: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
