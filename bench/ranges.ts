/**
 * Folds the `--json` files of several bench/upload-get.ts runs into one table of ranges (lowest–highest over the
 * runs) per phase, size and server, then the ratios' ranges: what docs/benchmarks.md reports for repeated runs.
 *
 *   node --import tsx bench/ranges.ts run1.json run2.json run3.json
 */
import { readFile } from 'node:fs/promises';
import { table } from './common.ts';

interface Run {
  header: string;
  results: Array<{
    phase: string;
    size: string;
    target: string;
    loadavg: number;
    cpu: number;
    /** Absent in runs from before the split (bench/upload-get.ts), null for a process tree. */
    mainCpu?: number | null;
    ownCpu?: number | null;
    rssGrowth: number;
    load: { requests: number; errors: number; seconds: number; rps: number; p50: number; p99: number };
  }>;
  ratios: Array<Record<string, string>>;
}

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: node --import tsx bench/ranges.ts run1.json [run2.json …]');
const runs = await Promise.all(files.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as Run));

const span = (xs: number[], digits: number, unit = '') => {
  // No figure in any run (a process tree's per-thread split, say): a dash, not "NaN".
  if (!xs.some(Number.isFinite)) return '—';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo.toFixed(digits) === hi.toFixed(digits) ? `${lo.toFixed(digits)}${unit}` : `${lo.toFixed(digits)}–${hi.toFixed(digits)}${unit}`;
};

for (const run of runs) console.log(run.header);
console.log(`\n${runs.length} runs; each cell: lowest–highest over the runs\n`);
const keys = runs[0]!.results.map((r) => `${r.phase}|${r.size}|${r.target}`);
console.log(
  table(
    keys.map((key) => {
      const [phase, size, target] = key.split('|') as [string, string, string];
      const rs = runs.map((run) => run.results.find((r) => r.phase === phase && r.size === size && r.target === target)).filter((r) => r !== undefined);
      return {
        phase,
        size,
        server: target,
        errors: String(rs.reduce((a, r) => a + r.load.errors, 0)),
        'req/s': span(
          rs.map((r) => r.load.rps),
          0,
        ),
        p99: span(
          rs.map((r) => r.load.p99),
          0,
          ' ms',
        ),
        'req per CPU-s': span(
          rs.map((r) => r.load.requests / r.cpu),
          0,
        ),
        'RSS growth': span(
          rs.map((r) => r.rssGrowth),
          0,
          ' MB',
        ),
        'load avg': span(
          rs.map((r) => r.loadavg),
          1,
        ),
      };
    }),
  ),
);

const ratioKeys = runs[0]!.ratios.map((r) => `${r.phase}|${r.size}|${r.ratio}`);
const num = (s: string | undefined) => Number((s ?? '').replace('×', ''));
console.log(
  `\n${table(
    ratioKeys.map((key) => {
      const [phase, size, name] = key.split('|') as [string, string, string];
      const rs = runs.map((run) => run.ratios.find((r) => r.phase === phase && r.size === size && r.ratio === name)).filter((r) => r !== undefined);
      const col = (c: string) => span(rs.map((r) => num(r[c])).filter(Number.isFinite), 2, '×');
      return { phase, size, ratio: name, 'req/s ÷': col('req/s ÷'), 'p99 ÷': col('p99 ÷'), 'req per CPU-s ÷': col('req per CPU-s ÷'), 'RSS growth ÷': col('RSS growth ÷') };
    }),
  )}`,
);

// The same figures with one column per server, one table per measure: the form docs/benchmarks.md shows.
const servers = [...new Set(runs[0]!.results.map((r) => r.target))];
const rowsOf = [...new Set(runs[0]!.results.map((r) => `${r.phase}|${r.size}`))];
const measures: Array<[string, (r: Run['results'][number]) => number, number, string]> = [
  ['req/s', (r) => r.load.rps, 0, ''],
  ['p99', (r) => r.load.p99, 0, ' ms'],
  ['requests per server CPU-second', (r) => r.load.requests / r.cpu, 0, ''],
  ['main-thread CPU per request', (r) => (r.mainCpu == null ? NaN : (1e6 * r.mainCpu) / r.load.requests), 0, ' µs'],
  ['other threads\' CPU per request', (r) => (r.ownCpu == null || r.mainCpu == null ? NaN : (1e6 * (r.ownCpu - r.mainCpu)) / r.load.requests), 0, ' µs'],
  ['RSS growth over idle', (r) => r.rssGrowth, 0, ' MB'],
];
for (const [title, of, digits, unit] of measures) {
  console.log(`\n${title}\n`);
  console.log(
    table(
      rowsOf.map((key) => {
        const [phase, size] = key.split('|') as [string, string];
        const row: Record<string, string> = { phase: `${phase} ${size}` };
        for (const s of servers) {
          const rs = runs.map((run) => run.results.find((r) => r.phase === phase && r.size === size && r.target === s)).filter((r) => r !== undefined);
          row[s] = rs.length ? span(rs.map(of), digits, unit) : '—';
        }
        return row;
      }),
    ),
  );
}
