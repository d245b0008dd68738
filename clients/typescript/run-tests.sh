#!/usr/bin/env bash
# The TypeScript client's suite (clients/harness.py runs it with the gateway's variables):
# npm ci (node_modules reused when it already holds the pinned toolchain), tsc → dist/esm + dist/cjs + .d.ts,
# tsc → build/ (tests and the spec's example), then `node --test`.  Prints "N passed, N failed";
# exits 77 when node/npm (Node ≥ 18) or the pinned TypeScript cannot be had.
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "跳过：未安装 node 或 npm"
  exit 77
fi
if [ "$(node -p 'Number(process.versions.node.split(".")[0])')" -lt 18 ]; then
  echo "跳过：需要 Node.js ≥ 18，当前 $(node --version)"
  exit 77
fi

pinned=$(node -p 'require("./package.json").devDependencies.typescript')
installed=$(node -p 'try { require("./node_modules/typescript/package.json").version } catch { "" }')
if [ "$installed" != "$pinned" ]; then
  if ! npm ci --no-audit --no-fund; then
    echo "跳过：npm ci 失败（无法取得 typescript@$pinned，离线？）"
    exit 77
  fi
fi

fail_build() {
  echo "构建失败：$1"
  echo "0 passed, 1 failed"
  exit 1
}
rm -rf dist build
npx tsc -p tsconfig.esm.json || fail_build "tsc (ESM)"
npx tsc -p tsconfig.cjs.json || fail_build "tsc (CJS)"
node scripts/mark-modules.mjs || fail_build "mark-modules"
npx tsc -p tsconfig.test.json || fail_build "tsc (tests, example)"

node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination=build/results.tap \
  build/test/*.test.js test/*.test.cjs
status=$?
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' build/results.tap | tail -1)
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' build/results.tap | tail -1)
echo "${passed:-0} passed, ${failed:-0} failed"
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  echo "node --test exited with $status"
fi
exit "$status"
