#!/usr/bin/env bash
# The test suite, from a fresh Debian machine: installs what is missing, then runs every test once.
# Tests run one at a time (--no-parallel): several measure latency and must not share the two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build --no-parallel "$@"
