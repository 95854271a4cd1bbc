#!/usr/bin/env bash
# Benchmark (not a test): `stackbench uwsgi` hosting a Python WSGI app (embedded CPython) against Debian's uWSGI +
# python3 plugin, from the same ini (only socket, pidfile and log differ), both behind one Debian nginx over
# uwsgi_pass. wrk on core 0; nginx and both pools on core 1; the two loaded in turn (interleaved, the order swapped each round), ROUNDS times per
# case. Cases: a plain WSGI hello at workers 1|2 x threads 1|4, the Django teacher project's /api/teachers (the
# seed's 3 workers), a 200 KB POST with post-buffering. Per run: req/s, p99, the pool's own CPU per request, wrk's
# CPU share (a run over 90% measured the client and is void); then medians, ratios, and each pool's PSS.
#   CONNECTIONS=16 DURATION=5 ROUNDS=3 CASES="hello-w1t1 django" scripts/bench-python-pool.sh
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-16}
seconds=${DURATION:-5}
rounds=${ROUNDS:-3}
cases=${CASES:-"hello-w1t1 hello-w1t4 hello-w2t1 hello-w2t4 django post-200k"}
scripts/install-deps.sh uwsgi uwsgi-plugin-python3 python3-django wrk
source scripts/lib/build-release.sh
build_release >/dev/null
source scripts/lib/ports.sh
source scripts/lib/nginx-proxy.sh
work=$(mktemp -d /tmp/stackbench-pypool.XXXXXX)
chmod 755 "$work"
pids=()
stop_pools() {
    [[ -f $work/ours.pid ]] && kill -INT "$(cat "$work/ours.pid")" 2>/dev/null || true
    [[ -f $work/ref.pid ]] && kill -INT "$(cat "$work/ref.pid")" 2>/dev/null || true
    for _ in $(seq 100); do
        # The pidfile may go (vacuum) between the test and the read: read it quietly.
        { [[ -f $work/ours.pid ]] && kill -0 "$(cat "$work/ours.pid" 2>/dev/null)" 2>/dev/null; } ||
            { [[ -f $work/ref.pid ]] && kill -0 "$(cat "$work/ref.pid" 2>/dev/null)" 2>/dev/null; } || break
        sleep 0.1
    done
    rm -f "$work/ours.pid" "$work/ref.pid"
}
cleanup() {
    stop_pools
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/hello"
cat > "$work/hello/hello.py" <<'PY'
def application(environ, start_response):
    if environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read()
        answer = b"%d\n" % len(body)
    else:
        answer = b"hello\n"
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(answer)))])
    return [answer]
PY
cp -rL scenarios/reference/teacher-django "$work/django"
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = string.rep("x", 200000)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA

ours_port=$(free_port)
ref_port=$(free_port)
nginx_proxy_start "$work" 1 "$ours_port:$work/ours.sock" "$ref_port:$work/ref.sock"
pids+=("$NGINX_PROXY_PID")

start_pools() {  # CHDIR MODULE WORKERS THREADS EXTRA
    for side in ours ref; do
        cat > "$work/$side.ini" <<INI
[uwsgi]
plugins = python3
chdir = $1
module = $2
socket = $work/$side.sock
chmod-socket = 666
master = true
workers = $3
threads = $4
thunder-lock = true
enable-threads = true
vacuum = true
pidfile = $work/$side.pid
disable-logging = true
logto = $work/$side.log
$5
INI
    done
    taskset -c 1 "$binary" uwsgi --ini "$work/ours.ini" &
    taskset -c 1 /usr/bin/uwsgi --ini "$work/ref.ini" &
    for _ in $(seq 200); do [[ -S $work/ours.sock && -S $work/ref.sock ]] && break; sleep 0.05; done
}

ticks=$(getconf CLK_TCK)
pool_pids() { local master; master=$(cat "$1"); echo "$master" $(pgrep -P "$master"); }
pool_ticks() { for pid in $(pool_pids "$1"); do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0; done | awk '{s += $1} END {print s}'; }
pool_pss() { for pid in $(pool_pids "$1"); do awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0; done | awk '{s += $1} END {print s / 1024}'; }

run() {  # CASE SIDE PORT ROUND PATH [SCRIPT]
    local before after script=()
    [[ -n ${6:-} ]] && script=(-s "$6")
    before=$(pool_ticks "$work/$2.pid")
    TIMEFORMAT='%R %U %S'
    { time taskset -c 0 wrk -t1 -c"$connections" -d"${seconds}s" --latency "${script[@]}" "http://127.0.0.1:$3$5" > "$work/wrk.out"; } 2> "$work/wrk.time"
    after=$(pool_ticks "$work/$2.pid")
    PYTHONPATH=scripts/lib python3 - "$work/wrk.out" "$work/wrk.time" "$1" "$2" "$4" "$before" "$after" "$ticks" <<'PY'
import sys
import wrk_output
out, timing, case, side, rnd = sys.argv[1:6]
before, after, ticks = map(int, sys.argv[6:9])
rps, total, p99, failure = wrk_output.read(open(out).read())
if failure:
    sys.exit(f"{case} {side}: failed requests ({failure}): void comparison")
wall, user, system = map(float, open(timing).read().split())
client = (user + system) / wall
pool_us = (after - before) / ticks * 1e6 / max(total, 1)
verdict = "void(client>90%)" if client > 0.90 else "ok"
print(f"{case}:{side} {rnd} {rps:.1f} {p99:.3f} {pool_us:.1f} {client * 100:.0f}% {verdict}")
PY
}

: > "$work/runs"
: > "$work/pss"
echo "wrk -t1 on core 0, nginx + both pools on core 1, c=$connections, ${seconds}s per run, $rounds interleaved rounds"
echo "case:pool round req/s p99_ms pool_cpu_us/req client_cpu verdict"
for case in $cases; do
    path=/ script="" extra=""
    case $case in
        hello-w*t*) w=${case#hello-w}; t=${w#*t}; w=${w%t*}; start_pools "$work/hello" "hello:application" "$w" "$t" "" ;;
        django) start_pools "$work/django" "teacher.wsgi:application" 3 1 "post-buffering = 1024
harakiri = 30"; path=/api/teachers ;;
        post-200k) start_pools "$work/hello" "hello:application" 2 1 "post-buffering = 4096"; script=$work/post.lua ;;
        *) echo "unknown case $case" >&2; exit 2 ;;
    esac
    for side in ours ref; do
        port=$([[ $side == ours ]] && echo "$ours_port" || echo "$ref_port")
        curl -sf -o /dev/null "http://127.0.0.1:$port$path" || { echo "$case: no answer from $side" >&2; tail -5 "$work/$side.log" >&2; exit 1; }
        taskset -c 0 wrk -t1 -c"$connections" -d1s "http://127.0.0.1:$port$path" >/dev/null  # warm-up
    done
    for round in $(seq "$rounds"); do
        if (( round % 2 )); then order="ref ours"; else order="ours ref"; fi
        for side in $order; do
            port=$([[ $side == ours ]] && echo "$ours_port" || echo "$ref_port")
            run "$case" "$side" "$port" "$round" "$path" "$script" | tee -a "$work/runs"
        done
    done
    echo "$case $(pool_pss "$work/ours.pid") $(pool_pss "$work/ref.pid")" >> "$work/pss"
    stop_pools
done

python3 - "$work/runs" "$work/pss" scripts/lib <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from valid_runs import valid_medians
med, void = valid_medians(sys.argv[1])
pss = {line.split()[0]: (float(line.split()[1]), float(line.split()[2])) for line in open(sys.argv[2])}
print("\nmedians of the valid runs (void runs left out)")
print(f"{'case':<12} {'req/s ours':>11} {'uWSGI':>9} {'ratio':>6}   {'pool us/req ours':>16} {'uWSGI':>7} {'ratio':>6}   {'PSS MiB ours':>12} {'uWSGI':>7} {'ratio':>6}")
for case in pss:
    ours, ref = med.get(f"{case}:ours"), med.get(f"{case}:ref")
    if not ours or not ref:
        print(f"{case:<12} void: every run of one side had the client over 90% busy")
        continue
    po, pr = pss[case]
    print(f"{case:<12} {ours[0]:>11.1f} {ref[0]:>9.1f} {ours[0] / ref[0]:>5.2f}x   {ours[2]:>16.1f} {ref[2]:>7.1f} {ours[2] / ref[2]:>5.2f}x"
          f"   {po:>12.1f} {pr:>7.1f} {po / pr:>5.2f}x")
print("goals: hello req/s >= 1.0x and pool CPU/request <= 1.0x; django req/s >= 1.0x; PSS with 3 workers (django) <= 1.0x")
PY
