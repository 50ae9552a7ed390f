import {useCallback, useEffect, useState} from 'preact/hooks';

const readQuery = (): URLSearchParams => new URLSearchParams(window.location.hash.split('?')[1] ?? '');

/**
 * The query of the URL's hash (`#/tasks/nightly?last=24h` → `last=24h`), and a setter that writes it
 * in place (no new history entry), so a reload or a copied link opens the page as it was.
 */
export const useHashQuery = (): readonly [URLSearchParams, (next: URLSearchParams) => void] => {
  const [query, setQuery] = useState(readQuery);

  useEffect(() => {
    const onHash = () => {
      setQuery(readQuery());
    };

    window.addEventListener('hashchange', onHash);

    return () => {
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  const update = useCallback((next: URLSearchParams) => {
    const path = window.location.hash.split('?')[0] ?? '#/';
    const text = next.toString();

    window.history.replaceState(window.history.state, '', text === '' ? path : `${path}?${text}`);
    setQuery(new URLSearchParams(next));
  }, []);

  return [query, update] as const;
};
