/** Reading Prometheus text exposition in tests. */

/** The labels and value of every sample of `name` (exact name: `_count`, `_bucket`… are names of their own). */
export function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\{[^}]*\})? (\S+)$/.exec(line.slice(name.length));
    if (!m) continue;
    const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

/** The value of the first sample of `name` whose labels include `labels`, e.g. `sample(text, 'wxmedia_requests_total', {errcode: '0'})`. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** The sum of every sample of `name`. */
export function total(text: string, name: string): number {
  return samples(text, name).reduce((n, s) => n + s.value, 0);
}
