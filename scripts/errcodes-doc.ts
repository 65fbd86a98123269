/**
 * Renders docs/errcodes.md from the errcode catalog (packages/protocol/src/errcodes.ts).
 * `node --conditions=@wxmedia/source --import tsx scripts/errcodes-doc.ts > docs/errcodes.md` (the condition reads the
 * catalog from the sources, not from a possibly stale build); packages/protocol/test/errcodes-doc.test.ts fails
 * when the two disagree.
 */
import { ERRCODES } from '@wxmedia/protocol';

export function renderErrcodesDoc(): string {
  const rows = Object.values(ERRCODES)
    .slice()
    .sort((a, b) => a.errcode - b.errcode)
    .map((e) => `| ${e.errcode} | ${e.errmsg.replaceAll('|', '\\|')} | ${e.when.replaceAll('|', '\\|')} |`);
  return [
    '# Errcodes wxmedia sends',
    '',
    'Every reply below is HTTP 200 with `{"errcode": N, "errmsg": "<errmsg> rid: <rid>"}`, where the rid\'s first group',
    'is the request\'s Unix time in hex and the server logs every request with its rid. `errmsg` texts are WeChat\'s own,',
    'misspellings included, because clients match on them. This table is generated from',
    '`packages/protocol/src/errcodes.ts` by',
    '`node --conditions=@wxmedia/source --import tsx scripts/errcodes-doc.ts > docs/errcodes.md`; a test fails when they',
    'disagree.',
    '',
    '| errcode | errmsg | when |',
    '|---|---|---|',
    ...rows,
    '',
    'Cloud calls (wx-server-sdk) receive the same errcodes as `errCode`, with `errMsg`',
    '`openapi.customerServiceMessage.<api>:fail <errmsg> rid: <rid>`; see docs/cloud-call.md for the gateway\'s own errors.',
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(renderErrcodesDoc());
