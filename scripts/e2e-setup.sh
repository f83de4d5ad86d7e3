#!/usr/bin/env bash
# Installs what the end-to-end suite needs to drive a real VS Code: Debian's Chromium, and
# code-server 4.100.x (VS Code 1.100 on Node 20) with playwright-core, into a cache directory.
# Idempotent and quick when everything is already there. Prints the cache directory on success.
# code-server's postinstall builds native modules, two of which try to download:
#  - @vscode/ripgrep looks in a cache folder first, so Debian's rg is put there as the tarball it expects;
#  - node-pty's postinstall calls npx, which must not prompt.
set -euo pipefail
CACHE=${PACKETWALK_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/packetwalk-e2e}
CS_VERSION=${CS_VERSION:-4.100.3}
mkdir -p "$CACHE"
if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1 || ! command -v pkg-config >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium libkrb5-dev pkg-config ripgrep >/dev/null
  else
    echo "e2e-setup: chromium, ripgrep, libkrb5-dev and pkg-config are needed (apt-get as root)" >&2; exit 1
  fi
fi
if [ ! -x "$CACHE/cs/node_modules/.bin/code-server" ] || [ ! -d "$CACHE/cs/node_modules/playwright-core" ]; then
  rgcache=$(node -e 'console.log(require("os").tmpdir())')/vscode-ripgrep-cache-1.15.11
  mkdir -p "$rgcache"; t=$(mktemp -d); cp "$(command -v rg)" "$t/rg"
  tar czf "$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$t" rg; rm -rf "$t"
  mkdir -p "$CACHE/cs"
  # npm 11 runs a dependency's install scripts only where allowScripts approves them: code-server's
  # postinstall builds its native modules, argon2's builds the password hasher code-server loads.
  cat > "$CACHE/cs/package.json" <<'JSON'
{"name": "packetwalk-e2e-cache", "private": true,
 "allowScripts": {"code-server": true, "argon2": true}}
JSON
  # code-server's postinstall.sh refuses to run as root unless npm_config_unsafe_perm is set, though
  # npm 11 no longer reads that setting itself (it warns "Unknown env config").
  (cd "$CACHE/cs" && npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund "code-server@$CS_VERSION" playwright-core@1 >&2)
fi
echo "$CACHE"
