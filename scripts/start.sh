#!/usr/bin/env bash
# Opens a real VS Code (code-server on 127.0.0.1) with the packaged extension installed and a seed
# sample open, and prints where to point a browser. Ctrl-C stops it.
# Environment: PORT (default 8377), SAMPLE (default seed000-flannel-vxlan.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8377}
SAMPLE=${SAMPLE:-seed000-flannel-vxlan.yaml}
CACHE=$(bash scripts/e2e-setup.sh | tail -1)
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run -s package >/dev/null
CS="$CACHE/cs/node_modules/.bin/code-server"
UD="$CACHE/start/user-data"; EXT="$CACHE/start/extensions"
mkdir -p "$UD/User" "$EXT"
[ -f "$UD/User/settings.json" ] || echo '{"security.workspace.trust.enabled": false, "workbench.startupEditor": "none"}' > "$UD/User/settings.json"
"$CS" --user-data-dir "$UD" --extensions-dir "$EXT" --install-extension packet-walk.vsix --force >/dev/null
WS=$(pwd)/samples
echo "Packet Walk in VS Code: open http://127.0.0.1:$PORT/?folder=$WS&payload=%5B%5B%22openFile%22,%22vscode-remote://127.0.0.1:$PORT$WS/$SAMPLE%22%5D%5D"
echo "(then open $SAMPLE from the explorer if it is not already open; Ctrl-C stops the server)"
exec "$CS" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --user-data-dir "$UD" --extensions-dir "$EXT" "$WS"
