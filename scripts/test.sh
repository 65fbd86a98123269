#!/usr/bin/env bash
# The whole test suite: build the packages (incremental: a no-op when dist/ is current), type-check everything
# (tests included), then run every *.test.ts with node's test runner.
# - Tests import the TypeScript sources: `--conditions=@wxmedia/source` makes `@wxmedia/*` resolve to src/ (see
#   the packages' "exports") and tsx runs them; node's runner hands both flags to each test file's process.
# - Tests that spawn the `wxmedia` command, and the pack test, run the built JavaScript, as users do: that is
#   why the build comes first.
# Node 20 neither expands globs nor finds .ts files in a directory, so the files are listed explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
npx --no-install tsc -p tsconfig.json
# The dashboard is browser code (DOM types, Preact JSX): it has a project of its own.
npx --no-install tsc -p packages/dashboard/tsconfig.json
mapfile -t files < <(find packages test -name '*.test.ts' -not -path '*/node_modules/*' -not -path '*/dist/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --conditions=@wxmedia/source --import tsx --test --test-concurrency="${WXMEDIA_TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
