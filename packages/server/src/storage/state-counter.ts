/**
 * The arithmetic of StateStore.incr shared by the embedded stores, so that they refuse the same things Redis's
 * INCRBY refuses: a non-integer step, a stored value that is not an integer, a result beyond exact integers.
 */
export function nextCounterValue(key: string, stored: string | undefined, by = 1): number {
  if (!Number.isSafeInteger(by)) throw new TypeError(`incr ${JSON.stringify(key)}: by must be an integer, got ${by}`);
  const current = stored === undefined ? 0 : Number(stored);
  if (stored !== undefined && (!/^-?\d+$/.test(stored) || !Number.isSafeInteger(current))) {
    throw new TypeError(`incr ${JSON.stringify(key)}: the stored value is not an integer`);
  }
  const next = current + by;
  if (!Number.isSafeInteger(next)) throw new RangeError(`incr ${JSON.stringify(key)}: the counter would overflow`);
  return next;
}
