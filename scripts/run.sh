#!/usr/bin/env bash
# The main job, from a fresh Debian machine: installs what is missing, builds stackbench (release), then runs the
# main scenario, scenarios/static-vs-dynamic.yml: Django's dev server (`stackbench runserver`) against the front
# serving /static/ from disk and the front passing the rest to the uWSGI-style pool, all stood up from the seed's
# own uwsgi.ini and nginx.conf, sweeping workers {1,2,4} x threads {1,4} x post-buffering {0,1024}; the client on
# core 0, the stack on core 1; 14 configurations x 5 interleaved rounds. About 8 minutes. Results: results/<UTC timestamp>-static-vs-dynamic/ (result.json,
# report.md, report.html).
#   scripts/run.sh                         the full scenario
#   scripts/run.sh --quick                 a smoke run (under a minute)
#   scripts/run.sh scenarios/other.yml     another scenario (flags after it go to `stackbench run`)
# Exit status: stackbench run's (0 ok, 1 a threshold or a cell failed, 2 a bad scenario, 130 interrupted).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh python3-django   # the main job runs the seed's Django project
echo "run: building stackbench (release; the first build takes a few minutes)" >&2
log=$(mktemp)
source scripts/lib/build-release.sh
if ! build_release >"$log" 2>&1; then
    tail -40 "$log" >&2; rm -f "$log"
    echo "run: the release build failed" >&2
    exit 1
fi
rm -f "$log"
scenario=scenarios/static-vs-dynamic.yml
if [[ $# -gt 0 && $1 != -* ]]; then scenario=$1; shift; fi
exec "$binary" run "$scenario" "$@"
