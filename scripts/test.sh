#!/usr/bin/env bash
# The test suite, from a fresh Debian machine: installs what is missing, then runs every test once.
# Tests run one at a time (--no-parallel): several measure latency and must not share the two cores.
# Ends with one plain line, "tests: N passed, N failed", counted from swift-testing's own report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --skip-build --no-parallel "$@" 2>&1 | tee "$log" || status=$?
total=$(grep -oE "Test run with [0-9]+ tests?" "$log" | grep -oE "[0-9]+" | tail -1)
failed=$(grep -E "^✘ Test .* failed after" "$log" | grep -vc "^✘ Test run with" || true)
if [[ -z $total ]]; then
    echo "tests: no test run was reported" >&2
    exit 1
fi
if (( failed > 0 )); then
    # Repeated at the end, where a CI log that keeps only its tail still shows them.
    # Each issue with the comment swift-testing prints under it ("↳ …" and its indented lines), cut short; not the
    # test's doc comment it prints under "failed after".
    echo "failures:"
    awk '/^✘ Test run with/ { next }
         /^✘ Test .* recorded an issue/ { print; comment = 1; lines = 0; next }
         /^✘ Test .* failed after/ { print; comment = 0; next }
         comment && (/^↳ / || /^  /) { if (++lines <= 12) print substr($0, 1, 2000); next }
         { comment = 0 }' "$log" | head -80
fi
echo "tests: $((total - failed)) passed, $failed failed"
exit "$status"
