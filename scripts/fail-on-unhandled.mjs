// Loaded into every Node process of a test run (scripts/test.sh puts `--import` of this file in NODE_OPTIONS, so the
// test files and every server, CLI or cloud function they start carry it). An unhandled rejection or an uncaught
// exception anywhere is written to $WXMEDIA_TEST_FAULT_LOG, and scripts/test.sh fails the run when that file is not
// empty — even when the test that caused it passed, or the process was a child whose crash no test looked at.
// Plain JavaScript: it must load before any TypeScript loader.
import { appendFileSync } from 'node:fs';

const faultLog = process.env.WXMEDIA_TEST_FAULT_LOG;
const seen = new WeakSet();

function record(kind, error) {
  if (!faultLog) return;
  if (typeof error === 'object' && error !== null) {
    if (seen.has(error)) return;
    seen.add(error);
  }
  const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  appendFileSync(faultLog, `${kind} in pid ${process.pid} (${process.argv.slice(1).join(' ')}):\n${detail}\n\n`);
}

// Recorded, then rethrown: the process then fails exactly as it would without this file (node:test fails the
// running test; any other process exits), so the code under test sees no difference.
process.on('unhandledRejection', (reason) => {
  record('unhandled rejection', reason);
  throw reason;
});
process.on('uncaughtExceptionMonitor', (error, origin) => record(origin === 'uncaughtException' ? 'uncaught exception' : origin, error));
