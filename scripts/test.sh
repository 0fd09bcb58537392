#!/usr/bin/env bash
# The README's test command: whole set-up from a fresh clone, then build, check and test everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
echo "node $(node --version), pnpm $(pnpm --version)"
pnpm install --frozen-lockfile
pnpm run check
node scripts/test-summary.mjs
