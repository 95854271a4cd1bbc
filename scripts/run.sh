#!/usr/bin/env bash
# The main job, from a fresh Debian machine: installs what is missing, builds stackbench (release), stands up a
# local server (Debian's nginx serving a 1 KiB file, pinned to core 1) and loads it with `stackbench load`
# (pinned to core 0) for 10 s, printing the summary and writing results/load-nginx-1k.json.
# Until the scenario runner lands (issue 6), this is what "run the main job" means.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product stackbench 2>&1 | grep -E "error|warning: unre|Compiling stackbench|Build" || true
binary=$(swift build -c release --show-bin-path)/stackbench
source scripts/lib/nginx-static.sh
trap nginx_static_stop EXIT
nginx_static_start "$(free_port)" 1
mkdir -p results
"$binary" load "$NGINX_URL" -c 64 -d "${DURATION:-10s}" --warmup 1s --cpus 0 --json results/load-nginx-1k.json
echo "result written to results/load-nginx-1k.json"
