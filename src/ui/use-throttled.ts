import { useEffect, useRef, useState } from 'react';

/**
 * `value`, changing at most once per `intervalMs` (read at each change, so
 * it can follow what drawing costs): the latest value is shown when the
 * interval has passed (never dropped, only delayed). For views that are
 * costly to draw and fed faster than a person reads them: the Compare
 * panel's charts while a fast run posts metrics five times a second.
 */
export function useThrottledValue<T>(value: T, intervalMs: number | (() => number)): T {
  const [shown, setShown] = useState(value);
  const lastShown = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const show = () => {
      lastShown.current = performance.now();
      setShown(value);
    };
    const interval = typeof intervalMs === 'number' ? intervalMs : intervalMs();
    const wait = lastShown.current + interval - performance.now();
    if (wait <= 0) {
      show();
      return;
    }
    const timer = setTimeout(show, wait);
    return () => clearTimeout(timer);
  }, [value, shown, intervalMs]);
  return shown;
}
