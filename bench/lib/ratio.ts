/** Ratios of wxmedia against a peer, as printed in the benchmark tables. */

/** `a ÷ b` as "0.42×"; "n/a" when either side is missing or b is not positive (a ratio over nothing means nothing). */
export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return 'n/a';
  const r = a / b;
  return `${r < 10 ? r.toFixed(2) : r.toFixed(1)}×`;
}
