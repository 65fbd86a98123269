import { useCallback, useEffect, useState } from 'preact/hooks';

/** Loads data with `load`, again on `reload()` and every `everyMs` (if given); keeps the last good value. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], everyMs?: number): { data: T | undefined; error: string | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    load().then(
      (d) => live && (setData(d), setError(undefined)),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  useEffect(() => {
    if (!everyMs) return;
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, reload]);
  return { data, error, reload };
}

/** How far the server's clock is from this browser's (time travel, or skew), in ms; set from each ClockState read. */
let serverOffsetMs = 0;

export function setServerClock(serverNowMs: number): void {
  serverOffsetMs = serverNowMs - Date.now();
}

/** The server's current time in ms, re-rendered every second (countdowns to expiry, the running clock). */
export function useNow(): number {
  const [now, setNow] = useState(Date.now() + serverOffsetMs);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() + serverOffsetMs), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
