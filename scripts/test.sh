#!/usr/bin/env bash
# The README's test command: whole set-up from a fresh clone, then build, check and test everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchain.sh
echo "node $(node --version), pnpm $(pnpm --version)"
pnpm install --frozen-lockfile
pnpm run check
# What would be published: publint, are-the-types-wrong and our own rules on each packed public
# package, sherif on the workspace; then the packed core and a connector installed with npm.
pnpm run package:check
pnpm run test:install
node scripts/test-summary.mjs
