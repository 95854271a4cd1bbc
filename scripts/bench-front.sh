#!/usr/bin/env bash
# Benchmark (not a test): Debian's nginx against `stackbench front`, from the same config, one worker each on
# core 1, wrk (the cheapest client here) on core 0. Cases: a 1 KiB file without an access log, the same with the
# seed's `access_log ... main`, the same with `open_file_cache max=1000`, a 100 KiB file (sendfile), and uwsgi_pass to the same stackbench pool (/hello,
# `include uwsgi_params`, the pool on core 1 too). Rounds interleave the servers. Per run: req/s, p99, the
# server's CPU per request from /proc (the front's own, without the pool) and wrk's CPU share of its core; a run
# whose client was over 90% busy is void and left out of the ratios. Then medians and stackbench/nginx ratios.
# The timing log's cost (issue 33: what `stackbench run` adds beside a user's access_log): uwsgi-pass-log (the seed's
# `access_log ... main`) against uwsgi-pass-timed (the same plus `access_log timing.log stackbench_timing
# buffer=64k`), per server, as a share of the front's CPU per request and of the stack's (front + pool).
# Where no client here out-runs either server — 100 KiB (wrk alone spends 97-99% of its core copying the bodies)
# and the cached 1 KiB file (both servers past 90k req/s) — the case is offered a fixed rate instead (`stackbench
# load --rate`, RATE_100K and RATE_CACHED per second, below what the client and both servers can do): req/s then
# says whether each server kept up, and CPU per request is the comparison.
#   CONNECTIONS=64 DURATION=5 ROUNDS=3 RATE_100K=12000 RATE_CACHED=20000 \
#       CASES="static-1k static-1k-log static-1k-cached static-100k uwsgi-pass uwsgi-pass-log uwsgi-pass-timed" \
#       scripts/bench-front.sh
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-64}
seconds=${DURATION:-5}
rounds=${ROUNDS:-3}
cases=${CASES:-static-1k static-1k-log static-1k-cached static-100k uwsgi-pass uwsgi-pass-log uwsgi-pass-timed}
declare -A fixed_rate=([static-100k]=${RATE_100K:-12000} [static-1k-cached]=${RATE_CACHED:-20000})
scripts/install-deps.sh wrk
source scripts/lib/build-release.sh
build_release >/dev/null
binary=${STACKBENCH:-$binary}
source scripts/lib/ports.sh
work=$(mktemp -d /tmp/stackbench-front.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    [[ -f $work/pool.pid ]] && "$binary" uwsgi --stop "$work/pool.pid" 2>/dev/null || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www/static" "$work/teacher"
head -c 1024 /dev/urandom > "$work/www/static/one-k.bin"
head -c 102400 /dev/urandom > "$work/www/static/hundred-k.bin"
cp -r scenarios/teacher/settings.yml scenarios/teacher/templates scenarios/teacher/static scenarios/teacher/seed "$work/teacher/"
cat > "$work/pool.ini" <<INI
[uwsgi]
chdir = $work/teacher
module = teacher.wsgi:application
socket = $work/pool.sock
master = true
workers = 2
pidfile = $work/pool.pid
disable-logging = true
logto = $work/pool.log
INI
taskset -c 1 "$binary" uwsgi --ini "$work/pool.ini" & pids+=($!)
pool_pid=$!

declare -A port
for name in nginx ours; do
    for case in static static-log static-cached proxy proxy-log proxy-timed; do port[$name-$case]=$(free_port); done
done
config() {  # NAME: the same config for both servers, one server block per case
    cat <<CONF
worker_processes 1;
pid $work/$1.pid;
error_log $work/$1-error.log;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    log_format main '\$remote_addr - \$remote_user [\$time_local] "\$request" '
                    '\$status \$body_bytes_sent "\$http_referer" '
                    '"\$http_user_agent" "\$http_x_forwarded_for"';
    log_format stackbench_timing '\$msec \$request_time \$upstream_connect_time \$upstream_header_time \$upstream_response_time';
    access_log off;
    sendfile on;
    keepalive_requests 100000000;
    client_body_temp_path $work/$1-body;
    uwsgi_temp_path $work/$1-uwsgi;
    server {
        listen 127.0.0.1:${port[$1-static]};
        location /static/ { alias $work/www/static/; }
    }
    server {
        listen 127.0.0.1:${port[$1-static-log]};
        access_log $work/$1-access.log main;
        location /static/ { alias $work/www/static/; }
    }
    server {
        listen 127.0.0.1:${port[$1-static-cached]};
        open_file_cache max=1000;
        location /static/ { alias $work/www/static/; }
    }
    server {
        listen 127.0.0.1:${port[$1-proxy]};
        location / { include /etc/nginx/uwsgi_params; uwsgi_pass unix:$work/pool.sock; }
    }
    server {
        listen 127.0.0.1:${port[$1-proxy-log]};
        access_log $work/$1-proxy-access.log main;
        location / { include /etc/nginx/uwsgi_params; uwsgi_pass unix:$work/pool.sock; }
    }
    server {
        listen 127.0.0.1:${port[$1-proxy-timed]};
        access_log $work/$1-proxy-access.log main;
        access_log $work/$1-timing.log stackbench_timing buffer=64k;
        location / { include /etc/nginx/uwsgi_params; uwsgi_pass unix:$work/pool.sock; }
    }
}
CONF
}
{ echo "daemon off;"; echo "master_process off;"; config nginx; } > "$work/nginx.conf"
config ours > "$work/ours.conf"
taskset -c 1 /usr/sbin/nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
nginx_pid=$!
taskset -c 1 "$binary" front -c "$work/ours.conf" & pids+=($!)
ours_pid=$!
for name in nginx ours; do
    wait_http "http://127.0.0.1:${port[$name-static]}/static/one-k.bin"
    wait_http "http://127.0.0.1:${port[$name-proxy]}/hello"
    cmp -s <(curl -s "http://127.0.0.1:${port[$name-static]}/static/hundred-k.bin") "$work/www/static/hundred-k.bin" ||
        { echo "$name: wrong body" >&2; exit 1; }
    [[ $(curl -s "http://127.0.0.1:${port[$name-proxy]}/hello") == hello ]] || { echo "$name: /hello wrong through uwsgi_pass" >&2; exit 1; }
done

ticks=$(getconf CLK_TCK)
process_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pool_ticks() {  # the pool's master and its workers
    local total=0 pid
    for pid in $pool_pid $(cat /proc/$pool_pid/task/*/children); do total=$((total + $(process_ticks "$pid"))); done
    echo $total
}
url() {  # NAME CASE
    case $2 in
        static-1k) echo "http://127.0.0.1:${port[$1-static]}/static/one-k.bin" ;;
        static-1k-log) echo "http://127.0.0.1:${port[$1-static-log]}/static/one-k.bin" ;;
        static-1k-cached) echo "http://127.0.0.1:${port[$1-static-cached]}/static/one-k.bin" ;;
        static-100k) echo "http://127.0.0.1:${port[$1-static]}/static/hundred-k.bin" ;;
        uwsgi-pass) echo "http://127.0.0.1:${port[$1-proxy]}/hello" ;;
        uwsgi-pass-log) echo "http://127.0.0.1:${port[$1-proxy-log]}/hello" ;;
        uwsgi-pass-timed) echo "http://127.0.0.1:${port[$1-proxy-timed]}/hello" ;;
    esac
}
run() {  # NAME CASE ROUND PID: one client run, printed as a row of the table
    local before after server=$1 target
    [[ $1 == ours ]] && server=stackbench
    target=$(url "$1" "$2")
    before=$(process_ticks "$4") pool_before=$(pool_ticks)
    if [[ -n ${fixed_rate[$2]:-} ]]; then
        taskset -c 0 "$binary" load --rate "${fixed_rate[$2]}" -c "$connections" -d "${seconds}s" --json "$work/load.json" \
            "$target" > /dev/null 2> "$work/load.err" || { cat "$work/load.err" >&2; exit 1; }
        after=$(process_ticks "$4") pool_after=$(pool_ticks)
        python3 - "$work/load.json" "$server" "$2" "$3" "$before" "$after" "$ticks" "$pool_before" "$pool_after" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
name, case, rnd = sys.argv[2:5]
before, after, ticks, pool_before, pool_after = map(int, sys.argv[5:10])
summary = result["summary"]
if summary["errors"] or summary["non2xx3xx"]:
    sys.exit(f"{name} {case}: failed requests: the comparison is void\n{json.dumps(result['errors'])}")
client = result["clientCPU"]["shareOfCores"]
verdict = "void(client>90%)" if client > 0.90 else "ok"
cpu = (after - before) / ticks * 1e6 / summary["responses"]
stack = cpu + (pool_after - pool_before) / ticks * 1e6 / summary["responses"]
print(f"{name}/{case} {rnd} {summary['responsesPerSecond']:.1f} {result['latencyMicroseconds']['percentiles']['99'] / 1000:.3f} "
      f"{cpu:.2f} {stack:.2f} {client * 100:.0f}% {verdict}")
PY
        return
    fi
    TIMEFORMAT='%R %U %S'
    { time taskset -c 0 wrk -t1 -c"$connections" -d"${seconds}s" --latency "$target" > "$work/wrk.out"; } 2> "$work/wrk.time"
    after=$(process_ticks "$4") pool_after=$(pool_ticks)
    PYTHONPATH=scripts/lib python3 - "$work/wrk.out" "$work/wrk.time" "$server" "$2" "$3" "$before" "$after" "$ticks" \
        "$pool_before" "$pool_after" <<'PY'
import sys
import wrk_output
out, timing, name, case, rnd = sys.argv[1:6]
before, after, ticks, pool_before, pool_after = map(int, sys.argv[6:11])
text = open(out).read()
rps, total, p99, failure = wrk_output.read(text)
if failure:
    sys.exit(f"{name} {case}: failed requests: the comparison is void\n{text}")
wall, user, system = map(float, open(timing).read().split())
client = (user + system) / wall
verdict = "void(client>90%)" if client > 0.90 else "ok"
cpu, pool = (after - before) / ticks * 1e6 / total, (pool_after - pool_before) / ticks * 1e6 / total
print(f"{name}/{case} {rnd} {rps:.1f} {p99:.3f} {cpu:.2f} {cpu + pool:.2f} {client * 100:.0f}% {verdict}")
PY
}

echo "one worker each on core 1 (the pool too), wrk -t1 -c$connections on core 0, ${seconds}s, $rounds rounds per case"
for case in "${!fixed_rate[@]}"; do
    echo "($case: stackbench load -c$connections at a fixed ${fixed_rate[$case]} req/s on core 0)"
done
echo "server/case round req/s p99_ms server_cpu_us/req stack_cpu_us/req client_cpu verdict"
: > "$work/runs"
for round in $(seq "$rounds"); do  # rounds outermost: every case and server in each, so drift hits all alike
    for case in $cases; do
        if (( round % 2 )); then order="nginx ours"; else order="ours nginx"; fi
        for name in $order; do
            pid=$nginx_pid; [[ $name == ours ]] && pid=$ours_pid
            run "$name" "$case" "$round" "$pid" | tee -a "$work/runs"
        done
    done
done
PYTHONPATH=scripts/lib python3 - "$work/runs" "$cases" <<'PY'
import statistics, sys
from valid_runs import runs, valid_medians
medians, void = valid_medians(sys.argv[1])
print("\nmedians of the valid runs       req/s    p99_ms  server_cpu_us/req   (void runs)")
for case in sys.argv[2].split():
    med = {}
    for name in ("nginx", "stackbench"):
        key = f"{name}/{case}"
        if key in medians:
            med[name] = medians[key]
            rps, p99, cpu, _ = med[name]
            print(f"  {case:<14} {name:<11} {rps:>9.0f} {p99:>8.3f} {cpu:>12.2f}        ({void.get(key, 0)} void)")
        else:
            print(f"  {case:<14} {name:<11} every run void: the client was the bottleneck")
    if len(med) == 2:
        n, s = med["nginx"], med["stackbench"]
        print(f"  {case}: stackbench/nginx req/s {s[0] / n[0]:.2f}x (goal >= 1.0x), CPU per request {s[2] / n[2]:.2f}x (goal <= 1.0x), p99 {s[1] / n[1]:.2f}x")
    else:
        print(f"  {case}: no ratio: a side had no valid run")
# The timing log's cost, round by round (the two cases ran side by side in each round): timed over log-only CPU per
# request, of the front alone and of the stack (front + pool); the median over the rounds where both were valid.
valid = {(name, rnd): values for name, rnd, values, ok in runs(sys.argv[1]) if ok}
for name in ("nginx", "stackbench"):
    pairs = [(valid[(f"{name}/uwsgi-pass-log", r)], valid[(f"{name}/uwsgi-pass-timed", r)])
             for (key, r) in valid if key == f"{name}/uwsgi-pass-log" and (f"{name}/uwsgi-pass-timed", r) in valid]
    if pairs:
        front = statistics.median(timed[2] / log[2] - 1 for log, timed in pairs)
        stack = statistics.median(timed[3] / log[3] - 1 for log, timed in pairs)
        print(f"  timing log, {name}: {front * 100:+.1f}% of the front's CPU per request, {stack * 100:+.1f}% of the stack's "
              f"(goal < 3%; median of {len(pairs)} paired rounds)")
PY
