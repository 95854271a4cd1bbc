#!/usr/bin/env bash
# Installs the reference stack from Debian when any part is missing: nginx, uWSGI with its Python 3 plugin, and
# Django (python3-django; python3-venv for the tests that install Django from PyPI into a venv), for `stack: reference` and the mixes in scenarios (docs/reference.md). Idempotent:
# quiet when everything is there; `apt-get update` at most once.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/install-deps.sh nginx uwsgi uwsgi-plugin-python3 python3-django python3-venv
