#!/usr/bin/env bash
# Installs everything the build and the tests need, on a fresh Debian machine or an old one.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pkg in iproute2 iptables tcpdump netcat-openbsd ipset; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ "${#need[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
