/**
 * Markdown tables, for the tests that keep a documentation table and its catalog in step (docs/errcodes.md,
 * docs/cloud-call.md): a table is found by its header row, and a cell may hold `|` written as `\|`.
 */

/** The cells of one table line: `| a | b\|c |` → ['a', 'b|c']. */
export function tableCells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replaceAll('\\|', '|'));
}

/** One table line, as the documentation writes it. */
export function tableLine(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
}

/** The body rows of the first table whose header is exactly `header`, as cells; throws when there is none. */
export function tableRows(markdown: string, header: readonly string[]): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|') && tableCells(line).join('\u0000') === header.join('\u0000'));
  if (start < 0) throw new Error(`no table with the header ${tableLine(header)}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(tableCells(line));
  }
  return rows;
}
