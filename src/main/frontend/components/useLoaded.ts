import { errorText, showError } from 'Frontend/components/errors';
import { useCallback, useEffect, useState } from 'react';

/**
 * Loads data once on mount and on `reload()`; a failure keeps the last data, sets `error` (for an empty state that
 * says why) and shows a toast "`failure`: server text". `fetch` must be stable (module function or useCallback).
 */
export function useLoaded<T>(fetch: () => Promise<T>, failure: string) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const reload = useCallback(async () => {
    try {
      setData(await fetch());
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
      showError(failure, e);
    }
  }, [fetch, failure]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, error, reload };
}
