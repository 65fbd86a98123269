#!/usr/bin/env bash
# The whole test suite: type-check everything (tests included), then run every *.test.ts with node's test runner.
# Node 20 neither expands globs nor finds .ts files in a directory, so the files are listed explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install tsc -p tsconfig.json
# The dashboard is browser code (DOM types, Preact JSX): it has a project of its own.
npx --no-install tsc -p packages/dashboard/tsconfig.json
mapfile -t files < <(find packages test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency="${WXMEDIA_TEST_CONCURRENCY:-2}" "$@" "${files[@]}"
