#!/usr/bin/env bash
# The main job, from a fresh Debian machine: installs what is missing, builds stackbench (release), then measures
# what exists so far, each server pinned to core 1 and `stackbench load` to core 0, DURATION (default 10s) each:
#   1. Debian's nginx serving a 1 KiB file                      -> results/load-nginx-1k.json
#   2. `stackbench collectstatic`, then `stackbench runserver` (the teacher app) on /hello and on a static file
#                                                               -> results/load-runserver-hello.json, -static.json
#   3. Debian's nginx (the seed's `location /` with uwsgi_pass) in front of `stackbench uwsgi` started from the
#      seed's options (master, 3 workers, thunder-lock, harakiri 30, post-buffering 1024, vacuum), on /hello and
#      /api/teachers                                            -> results/load-pool-hello.json, -api.json
# Until the scenario runner lands (issue 6), this is what "run the main job" means.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product stackbench 2>&1 | grep -E "error|warning: unre|Compiling stackbench|Build" || true
binary=$(swift build -c release --show-bin-path)/stackbench
duration=${DURATION:-10s}
source scripts/lib/nginx-static.sh
work=$(mktemp -d /tmp/stackbench-run.XXXXXX)
runserver_pid=
proxy_pid=
cleanup() {
    nginx_static_stop
    if [[ -n $runserver_pid ]]; then kill "$runserver_pid" 2>/dev/null || true; wait "$runserver_pid" 2>/dev/null || true; fi
    [[ -f $work/uwsgi.pid ]] && "$binary" uwsgi --stop "$work/uwsgi.pid" 2>/dev/null || true
    if [[ -n $proxy_pid ]]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; fi
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p results

echo "== nginx, 1 KiB static file"
nginx_static_start "$(free_port)" 1
"$binary" load "$NGINX_URL" -c 64 -d "$duration" --warmup 1s --cpus 0 --json results/load-nginx-1k.json
nginx_static_stop

echo "== stackbench runserver (teacher app, DEBUG), a copy of scenarios/teacher in $work"
cp -r scenarios/teacher/settings.yml scenarios/teacher/templates scenarios/teacher/static scenarios/teacher/seed "$work/"
"$binary" collectstatic --settings "$work/settings.yml" --noinput
port=$(free_port)
taskset -c 1 "$binary" runserver "127.0.0.1:$port" --settings "$work/settings.yml" >"$work/runserver.log" 2>&1 &
runserver_pid=$!
wait_http "http://127.0.0.1:$port/hello"
for target in hello:/hello static:/static/css/app.css; do
    echo "-- ${target#*:}"
    "$binary" load "http://127.0.0.1:$port${target#*:}" -c 8 -d "$duration" --warmup 1s --cpus 0 \
        --json "results/load-runserver-${target%%:*}.json"
done
kill "$runserver_pid"; wait "$runserver_pid" 2>/dev/null || true; runserver_pid=

echo "== nginx -> stackbench uwsgi (the seed's options), teacher app"
chmod 755 "$work"
cat > "$work/uwsgi.ini" <<INI
[uwsgi]
chdir = $work
module = teacher.wsgi:application
socket = $work/uwsgi.sock
master = true
workers = 3
pidfile = $work/uwsgi.pid
vacuum = true
thunder-lock = true
enable-threads = true
harakiri = 30
post-buffering = 1024
disable-logging = true
daemonize = $work/uwsgi.log
INI
taskset -c 1 "$binary" uwsgi --ini "$work/uwsgi.ini"
port=$(free_port)
source scripts/lib/nginx-proxy.sh
nginx_proxy_start "$work" 1 "$port:$work/uwsgi.sock"
proxy_pid=$NGINX_PROXY_PID
wait_http "http://127.0.0.1:$port/hello"
for target in hello:/hello api:/api/teachers?limit=20; do
    echo "-- ${target#*:}"
    "$binary" load "http://127.0.0.1:$port${target#*:}" -c 32 -d "$duration" --warmup 1s --cpus 0 \
        --json "results/load-pool-${target%%:*}.json"
done
echo "results written to results/: load-nginx-1k.json, load-runserver-{hello,static}.json, load-pool-{hello,api}.json"
