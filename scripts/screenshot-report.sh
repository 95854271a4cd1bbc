#!/usr/bin/env bash
# Renders a run's report.html with headless Chromium (Debian's chromium, installed when missing) into
# report.png beside it, so a person (or a review) can look at the charts as a browser draws them.
#   scripts/screenshot-report.sh results/<run>/            -> results/<run>/report.png
#   scripts/screenshot-report.sh results/<run>/report.html out.png [WIDTHxHEIGHT]
# The page is self-contained (inline SVG, no network), so it renders offline.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 ]]; then echo "usage: $0 RUN_FOLDER|REPORT.html [OUT.png] [WIDTHxHEIGHT]" >&2; exit 2; fi
report=$1
[[ -d $report ]] && report=$report/report.html
if [[ ! -f $report ]]; then echo "screenshot-report: $report: no such file" >&2; exit 2; fi
out=${2:-$(dirname "$report")/report.png}
size=${3:-1000x6000}
scripts/install-deps.sh chromium >/dev/null
profile=$(mktemp -d /tmp/stackbench-chromium.XXXXXX)
trap 'rm -rf "$profile"' EXIT
# --no-sandbox: root has no user namespace sandbox here; the page is our own file.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" "file://$(realpath "$report")" >/dev/null 2>&1
[[ -s $out ]] || { echo "screenshot-report: chromium wrote no $out" >&2; exit 1; }
echo "$out"
