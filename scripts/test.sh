#!/usr/bin/env bash
# The whole test suite: build the packages (incremental: a no-op when dist/ is current), type-check everything
# (tests included), then run every *.test.ts with node's test runner.
# - Tests import the TypeScript sources: `--conditions=@wxmedia/source` makes `@wxmedia/*` resolve to src/ (see
#   the packages' "exports") and tsx runs them; node's runner hands both flags to each test file's process.
# - Tests that spawn the `wxmedia` command, and the pack test, run the built JavaScript, as users do: that is
#   why the build comes first.
# Node 20 neither expands globs nor finds .ts files in a directory, so the files are listed explicitly.
#
# Every Node process of the run (test files, and the servers, CLIs and cloud functions they start) loads
# scripts/fail-on-unhandled.mjs, which writes any unhandled rejection or uncaught exception to a fault log: the run
# fails when that log is not empty, even if every test passed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
npx --no-install tsc -p tsconfig.json
# The dashboard is browser code (DOM types, Preact JSX): it has a project of its own.
npx --no-install tsc -p packages/dashboard/tsconfig.json
# WXMEDIA_TEST_DIRS narrows the run (e.g. `test` for the API and end-to-end tests only); the storage back ends the
# API tests use are chosen by WXMEDIA_TEST_BLOB_STORE / WXMEDIA_TEST_STATE_STORE (test/helpers/storage.ts).
read -r -a dirs <<< "${WXMEDIA_TEST_DIRS:-packages test}"
mapfile -t files < <(find "${dirs[@]}" -name '*.test.ts' -not -path '*/node_modules/*' -not -path '*/dist/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi

fault_log="$(mktemp -t wxmedia-test-faults.XXXXXX)"
trap 'rm -f "$fault_log"' EXIT
export WXMEDIA_TEST_FAULT_LOG="$fault_log"
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--import=$PWD/scripts/fail-on-unhandled.mjs"

status=0
node --conditions=@wxmedia/source --import tsx --test --test-concurrency="${WXMEDIA_TEST_CONCURRENCY:-2}" "$@" "${files[@]}" || status=$?
if [ -s "$fault_log" ]; then
  echo "# FAIL: unhandled rejections or uncaught exceptions during the run:" >&2
  sed 's/^/#   /' "$fault_log" >&2
  status=1
fi
exit "$status"
