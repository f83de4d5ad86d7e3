#!/usr/bin/env bash
# Opens a real VS Code (code-server on 127.0.0.1) with the packaged extension installed and a seed
# sample open in the editor, after printing one CLI trace of that sample, and prints where to point
# a browser once the server answers. Ctrl-C stops it.
# Environment: PORT (default 8377), SAMPLE (a file under samples/, default seed002-flannel-vxlan.yaml,
# the cluster of the article whose trace is printed below), PACKETWALK_START_STATE (where VS Code keeps
# its settings and extensions, default a folder of the e2e cache, kept from one start to the next).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8377}
SAMPLE=${SAMPLE:-seed002-flannel-vxlan.yaml}
[ -f "samples/$SAMPLE" ] || { echo "start: no samples/$SAMPLE" >&2; exit 2; }
[ -d node_modules ] || npm ci --no-audit --no-fund
CACHE=$(bash scripts/e2e-setup.sh | tail -1)
out=$(npm run -s package 2>&1) || { echo "$out" >&2; exit 1; }
CS="$CACHE/cs/node_modules/.bin/code-server"
STATE=${PACKETWALK_START_STATE:-$CACHE/start}
UD="$STATE/user-data"; EXT="$STATE/extensions"; LOG="$STATE/code-server.log"
mkdir -p "$UD/User" "$EXT"
[ -f "$UD/User/settings.json" ] || echo '{"security.workspace.trust.enabled": false, "workbench.startupEditor": "none", "git.openRepositoryInParentFolders": "never"}' > "$UD/User/settings.json"
"$CS" --user-data-dir "$UD" --extensions-dir "$EXT" --install-extension packet-walk.vsix --force >/dev/null

# The engine at work before any browser: the walk the README's seed sample is about.
if [ "$SAMPLE" = seed002-flannel-vxlan.yaml ]; then
  echo "\$ packetwalk trace samples/$SAMPLE --from pod/default/busybox --to svc/default/nginx-test-service:80"
  # The request line, one line per hop with its headers, and how it ended; the steps are in the editor.
  node dist/cli.js trace "samples/$SAMPLE" --from pod/default/busybox --to svc/default/nginx-test-service:80 \
    | sed -n '1,/^reply$/p' | grep -E '^[^ ]|^  [0-9]+\. |^  =>' | grep -v '^reply$' || true
  echo
else
  node dist/cli.js check "samples/$SAMPLE" || true
fi

WS=$(pwd)/samples
"$CS" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --user-data-dir "$UD" --extensions-dir "$EXT" "$WS" >"$LOG" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
until node -e "fetch('http://127.0.0.1:$PORT/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; do
  kill -0 "$server" 2>/dev/null || { echo "start: code-server stopped:" >&2; tail -20 "$LOG" >&2; exit 1; }
  sleep 0.5
done
# `folder` opens the samples as the workspace; the payload's `openFile` (a vscode-remote URI whose
# authority is the host the browser asked for) opens the sample in the editor, and `gotoLineMode`
# puts the cursor on its first Pod, so that Pod's CodeLenses are on screen from the start.
line=$(grep -n -m1 '^kind: Pod$' "samples/$SAMPLE" | cut -d: -f1 || true)
uri="vscode-remote://127.0.0.1:$PORT$WS/$SAMPLE${line:+:$line}"
payload=$(node -e 'process.stdout.write(encodeURIComponent(JSON.stringify([["openFile", process.argv[1]], ["gotoLineMode", "true"]])))' "$uri")
echo "Packet Walk is running in VS Code. Point a browser at:"
echo "  http://127.0.0.1:$PORT/?folder=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$WS")&payload=$payload"
echo "(the URL opens $SAMPLE; code-server's log is $LOG; Ctrl-C stops the server)"
wait "$server"
