#!/usr/bin/env bash
# Benchmark (not a test): nginx -> `stackbench uwsgi` (the teacher app's /hello) against nginx -> Debian's uWSGI
# with a plain Python WSGI hello app, the same workers and threads, both over a unix socket with uwsgi_pass.
# nginx and both pools on core 1, `stackbench load` on core 0; the two stacks loaded in turn, ROUNDS times.
# Prints per run req/s, p50, p99, the server side's CPU per request and the client's CPU share (a run whose client
# was over 90% busy is void and left out); then medians of the valid runs and the stackbench/uWSGI ratio.
#   WORKERS=2 THREADS=2 CONNECTIONS=32 DURATION=10 ROUNDS=3 scripts/bench-uwsgi.sh
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${WORKERS:-2}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
seconds=${DURATION:-10}
rounds=${ROUNDS:-3}
scripts/install-deps.sh uwsgi uwsgi-plugin-python3
source scripts/lib/build-release.sh
build_release >/dev/null
source scripts/lib/ports.sh
work=$(mktemp -d /tmp/stackbench-uwsgi.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    [[ -f $work/ours.pid ]] && "$binary" uwsgi --stop "$work/ours.pid" 2>/dev/null || true
    [[ -f $work/ref.pid ]] && kill -INT "$(cat "$work/ref.pid")" 2>/dev/null || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# Ours: a copy of the teacher project; the pool from an ini like the seed's.
mkdir -p "$work/teacher"
cp -r scenarios/teacher/settings.yml scenarios/teacher/templates scenarios/teacher/static scenarios/teacher/seed "$work/teacher/"
cat > "$work/ours.ini" <<INI
[uwsgi]
chdir = $work/teacher
module = teacher.wsgi:application
socket = $work/ours.sock
chmod-socket = 666
master = true
workers = $workers
threads = $threads
thunder-lock = true
pidfile = $work/ours.pid
disable-logging = true
logto = $work/ours.log
INI
# Theirs: Debian's uWSGI with the python3 plugin and a plain WSGI app answering the same bytes.
mkdir -p "$work/pyapp"
cat > "$work/pyapp/hello.py" <<'PY'
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "6")])
    return [b"hello\n"]
PY
cat > "$work/ref.ini" <<INI
[uwsgi]
plugin = python3
chdir = $work/pyapp
wsgi-file = hello.py
socket = $work/ref.sock
chmod-socket = 666
master = true
workers = $workers
threads = $threads
thunder-lock = true
pidfile = $work/ref.pid
disable-logging = true
logto = $work/ref.log
INI
taskset -c 1 "$binary" uwsgi --ini "$work/ours.ini" & pids+=($!)
taskset -c 1 /usr/bin/uwsgi --ini "$work/ref.ini" & pids+=($!)

ours_port=$(free_port)
ref_port=$(free_port)
source scripts/lib/nginx-proxy.sh
nginx_proxy_start "$work" 1 "$ours_port:$work/ours.sock" "$ref_port:$work/ref.sock"
pids+=("$NGINX_PROXY_PID")
wait_http "http://127.0.0.1:$ours_port/hello"
wait_http "http://127.0.0.1:$ref_port/hello"
for port in $ours_port $ref_port; do
    [[ $(curl -s "http://127.0.0.1:$port/hello") == hello ]] || { echo "no hello on $port" >&2; exit 1; }
done

ticks=$(getconf CLK_TCK)
core1_ticks() { awk '/^cpu1 / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
pool_ticks() {  # PIDFILE: CPU ticks of the master and its workers
    local master
    master=$(cat "$1")
    for pid in $master $(pgrep -P "$master"); do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0; done |
        awk '{sum += $1} END {print sum}'
}

run() {  # NAME PORT ROUND PIDFILE
    local before after pool_before pool_after
    before=$(core1_ticks)
    pool_before=$(pool_ticks "$4")
    taskset -c 0 "$binary" load "http://127.0.0.1:$2/hello" -c "$connections" -d "${seconds}s" --warmup 1s --cpus 0 \
        --json "$work/load.json" >/dev/null 2>&1
    after=$(core1_ticks)
    pool_after=$(pool_ticks "$4")
    python3 - "$work/load.json" "$1" "$3" "$before" "$after" "$ticks" "$pool_before" "$pool_after" <<'PY'
import json, sys
path, name, rnd, before, after, ticks, pool_before, pool_after = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:])
r = json.load(open(path))
s = r["summary"]
bad = s["errors"] + s["non2xx3xx"]
if bad:
    sys.exit(f"{name}: {bad} failed requests: the comparison is void")
cpu = (after - before) / ticks  # all of core 1 (nginx + the pool) over warm-up + window
pool = (pool_after - pool_before) / ticks  # the pool's own processes
requests = s["requests"] * (s["elapsedSeconds"] + 1) / s["elapsedSeconds"]  # the warm-up second served too
client = r["clientCPU"]["shareOfCores"]
verdict = "void(client>90%)" if client > 0.90 else "ok"
print(f"{name} {rnd} {s['responsesPerSecond']:.1f} {r['latencyMicroseconds']['percentiles']['50'] / 1000:.3f} "
      f"{r['latencyMicroseconds']['percentiles']['99'] / 1000:.3f} {cpu * 1e6 / requests:.1f} {pool * 1e6 / requests:.1f} "
      f"{client * 100:.0f}% {verdict}")
PY
}

echo "nginx + pool on core 1 (workers=$workers threads=$threads), stackbench load on core 0, c=$connections, ${seconds}s, $rounds rounds"
echo "stack round req/s p50_ms p99_ms core1_cpu_us/req pool_cpu_us/req client_cpu verdict"
: > "$work/runs"
for round in $(seq "$rounds"); do
    run uwsgi "$ref_port" "$round" "$work/ref.pid" | tee -a "$work/runs"
    run stackbench "$ours_port" "$round" "$work/ours.pid" | tee -a "$work/runs"
done
python3 - "$work/runs" scripts/lib <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from valid_runs import valid_medians
med, void = valid_medians(sys.argv[1])  # void: the client was the bottleneck
print("\nmedians of the valid runs  req/s    p50_ms   p99_ms  core1_cpu_us/req  pool_cpu_us/req  (void runs)")
for name in ("uwsgi", "stackbench"):
    if name not in med:
        print(f"  {name:<12} every run void: the client was the bottleneck")
        continue
    rps, p50, p99, per, pool = med[name]
    print(f"  {name:<12} {rps:>9.1f} {p50:>9.3f} {p99:>8.3f} {per:>12.1f} {pool:>16.1f}  ({void.get(name, 0)})")
if "uwsgi" not in med or "stackbench" not in med:
    sys.exit("\nstackbench/uWSGI: void (no valid run on one side)")
u, s = med["uwsgi"], med["stackbench"]
print(f"\nstackbench/uWSGI: req/s {s[0] / u[0]:.2f}x (goal >= 2x), p99 {s[2] / u[2]:.2f}x, "
      f"core-1 CPU per request {s[3] / u[3]:.2f}x, pool CPU per request {s[4] / u[4]:.2f}x")
nginx_us = min(u[3] - u[4], s[3] - s[4])  # core 1 minus the pool: nginx's own CPU per request
print(f"nginx shares core 1 with the pool and uses {nginx_us:.1f} us/request of it, whichever pool is behind it:")
print(f"even a pool costing nothing would top out near {1e6 / nginx_us:.0f} req/s here, "
      f"{1e6 / nginx_us / u[0]:.2f}x uWSGI; compare the pools by their own CPU per request.")
PY
