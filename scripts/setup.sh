#!/usr/bin/env bash
# Installs everything the build and the tests need, on a fresh Debian machine or an old one.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
# chromium, libkrb5-dev, pkg-config and ripgrep: the end-to-end suite's real VS Code (scripts/e2e-setup.sh).
# bridge-utils: brctl, the oracle of the `show --table bridges` kernel test.
# kubectl: the client `packetwalk import --context` runs, tested against recorded API responses.
for pkg in iproute2 bridge-utils iptables tcpdump netcat-openbsd ipset nfacct iputils-ping chromium libkrb5-dev pkg-config ripgrep kubectl; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
# code-server and playwright-core into a cache directory, for the end-to-end suite and `npm start`.
bash scripts/e2e-setup.sh >/dev/null || echo 'setup: the real VS Code could not be installed; the e2e suite will skip' >&2
