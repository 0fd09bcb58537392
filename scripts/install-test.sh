#!/usr/bin/env bash
# Install test: proves that a user who installs only the published @plugboard/core and
# @plugboard/connector-sagecrm gets a working, typed library. Packs both with pnpm (as `pnpm publish`
# would), installs the tarballs with plain npm into an empty project outside the workspace, then
# type-checks scripts/install-test/list-accounts.ts against the shipped .d.ts files (tsc, full
# library check), runs it against the Sage CRM fake and compares its output with
# scripts/install-test/expected-output.txt. Fails on any difference. Then the service: packs
# @plugboard/runner and the other connectors it depends on too, installs them all into a
# second empty project, starts its `plugboard-runner` bin on a free loopback port and waits for
# /healthz and /readyz (a driver the workspace patches must not be fetched unpatched by npm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
root="$PWD"
fixture="$root/scripts/install-test"
started=$SECONDS

step() { echo "install-test: $* ($((SECONDS - started)) s)"; }
fail() {
  echo "install-test: FAILED: $*" >&2
  exit 1
}

# The versions a user would pick are the ones the workspace builds and tests with.
pin() { node -p "require('$root/$1').devDependencies['$2']"; }
effect_version="$(pin packages/core/package.json effect)"
typescript_version="$(pin package.json typescript)"
types_node_version="$(pin package.json @types/node)"

work="$(mktemp -d "${TMPDIR:-/tmp}/plugboard-install-test.XXXXXX")"
runner_pid=""
cleanup() {
  if [ -n "$runner_pid" ]; then kill "$runner_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
case "$work" in "$root"/*) fail "the temporary project $work is inside the workspace" ;; esac

step "building @plugboard/core and @plugboard/connector-sagecrm"
pnpm exec turbo run build --filter=@plugboard/core --filter=@plugboard/connector-sagecrm \
  --output-logs=errors-only >/dev/null

step "packing"
mkdir -p "$work/tarballs" "$work/app"
for package in packages/core packages/connector-sagecrm; do
  (cd "$package" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
ls "$work/tarballs"

step "installing the tarballs with npm $(npm --version) into $work/app"
cp "$fixture/package.json" "$fixture/tsconfig.json" "$fixture/list-accounts.ts" "$work/app/"
cd "$work/app"
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz \
  "effect@$effect_version" "typescript@$typescript_version" "@types/node@$types_node_version"
# Fails on a missing or unmet peer dependency.
npm ls --all >/dev/null || {
  npm ls --all
  fail "npm reports problems with the installed tree"
}
# The connector must use the user's @plugboard/core and effect, not copies of its own: errors and
# services are matched by identity.
for shared in @plugboard/core effect; do
  copies="$(find . -path "*/node_modules/$shared/package.json" | wc -l)"
  [ "$copies" = 1 ] || fail "$copies copies of $shared installed, expected 1"
done

step "type-checking list-accounts.ts against the published declarations"
./node_modules/.bin/tsc -p tsconfig.json || fail "tsc found errors in the published types"

step "running list-accounts"
node out/list-accounts.js >output.txt || {
  cat output.txt
  fail "list-accounts exited with an error"
}
diff -u "$fixture/expected-output.txt" output.txt || fail "the output differs from expected-output.txt"
cat output.txt

step "building and packing @plugboard/runner and the connectors it depends on"
cd "$root"
pnpm exec turbo run build --filter=@plugboard/runner... --output-logs=errors-only >/dev/null
for package in packages/connector-sage-accounting packages/connector-sage200 packages/connector-sendoso apps/runner; do
  (cd "$package" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
mkdir -p "$work/service/data"
cd "$work/service"
echo '{"name":"plugboard-install-test-service","private":true,"type":"module"}' >package.json
step "installing the runner with npm into $work/service"
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz
npm ls --all >/dev/null || {
  npm ls --all
  fail "npm reports problems with the runner's installed tree"
}
for shared in @plugboard/core effect; do
  copies="$(find . -path "*/node_modules/$shared/package.json" | wc -l)"
  [ "$copies" = 1 ] || fail "$copies copies of $shared installed with the runner, expected 1"
done

port="$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')"
step "starting plugboard-runner on port $port"
PORT="$port" PLUGBOARD_DATA_DIR="$work/service/data" PLUGBOARD_CONNECTORS=@plugboard/connector-sagecrm \
  ./node_modules/.bin/plugboard-runner >runner.log 2>&1 &
runner_pid=$!
healthy=""
for _ in $(seq 1 60); do
  if curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; then
    healthy=yes
    break
  fi
  kill -0 "$runner_pid" 2>/dev/null || break
  sleep 0.5
done
[ -n "$healthy" ] || {
  cat runner.log
  fail "plugboard-runner did not become healthy"
}
curl -sf "http://127.0.0.1:$port/elements/api-v2/elements/keys" | grep -q sagecrm ||
  fail "plugboard-runner does not list the sagecrm element"
kill -TERM "$runner_pid"
wait "$runner_pid" || true
runner_pid=""
step "plugboard-runner answered /healthz and /readyz and stopped"
step "passed"
