import { useEffect, useState } from 'react';

/**
 * The result of an async function, re-run when `deps` change.
 *
 * @example
 * const models = useAsync(fetchModelManifest, []);
 */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): { value: T | null; error: string | null; loading: boolean } {
  const [state, setState] = useState<{ value: T | null; error: string | null; loading: boolean }>({ value: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (value) => live && setState({ value, error: null, loading: false }),
      (error: Error) => live && setState({ value: null, error: error.message, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}
