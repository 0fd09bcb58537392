#!/usr/bin/env bash
# The README's start command: from a fresh clone, install, build the runner and the workspace packages
# it loads, then run it (embedded SQLite under ./.plugboard unless DATABASE_URL says otherwise).
# Arguments are passed to the runner: `./scripts/start.sh create-user --org default --email a@b.c`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
pnpm install --frozen-lockfile
pnpm turbo run build --filter @plugboard/runner...
cd apps/runner
export PLUGBOARD_DATA_DIR="${PLUGBOARD_DATA_DIR:-$(cd ../.. && pwd)/.plugboard}"
exec node dist/main.js "$@"
