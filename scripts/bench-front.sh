#!/usr/bin/env bash
# Benchmark (not a test): the same 1 KiB and 100 KiB files served by Debian's nginx and by `stackbench front`,
# each with one worker (one event loop) pinned to core 1, `stackbench load` (keep-alive) pinned to core 0; the two
# servers loaded in turn, ROUNDS times, per file. Prints per run req/s, p50, p99 and the server's CPU per request;
# then medians and the stackbench/nginx ratio.
#   CONNECTIONS=64 DURATION=10 ROUNDS=3 scripts/bench-front.sh
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-64}
seconds=${DURATION:-10}
rounds=${ROUNDS:-3}
scripts/install-deps.sh
swift build -c release --product stackbench >/dev/null
binary=$(swift build -c release --show-bin-path)/stackbench
source scripts/lib/ports.sh
work=$(mktemp -d /tmp/stackbench-front.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www/static"
head -c 1024 /dev/urandom > "$work/www/static/one-k.bin"
head -c 102400 /dev/urandom > "$work/www/static/hundred-k.bin"
nginx_port=$(free_port)
ours_port=$(free_port)
config() {  # PORT NAME: the same server block for both
    cat <<CONF
worker_processes 1;
pid $work/$2.pid;
error_log $work/$2-error.log;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:$1;
        location /static/ { alias $work/www/static/; }
    }
}
CONF
}
{ echo "daemon off;"; echo "master_process off;"; config "$nginx_port" nginx; } > "$work/nginx.conf"
config "$ours_port" ours > "$work/ours.conf"
taskset -c 1 /usr/sbin/nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
taskset -c 1 "$binary" front -c "$work/ours.conf" & pids+=($!)
nginx_pid=${pids[0]}
ours_pid=${pids[1]}
wait_http "http://127.0.0.1:$nginx_port/static/one-k.bin"
wait_http "http://127.0.0.1:$ours_port/static/one-k.bin"
for port in $nginx_port $ours_port; do
    cmp -s <(curl -s "http://127.0.0.1:$port/static/hundred-k.bin") "$work/www/static/hundred-k.bin" ||
        { echo "wrong body on $port" >&2; exit 1; }
done

ticks=$(getconf CLK_TCK)
process_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {  # NAME PORT FILE ROUND PID
    local before after
    before=$(process_ticks "$5")
    taskset -c 0 "$binary" load "http://127.0.0.1:$2/static/$3" -c "$connections" -d "${seconds}s" --warmup 1s --cpus 0 \
        --json "$work/load.json" >/dev/null 2>&1
    after=$(process_ticks "$5")
    python3 - "$work/load.json" "$1" "$3" "$4" "$before" "$after" "$ticks" <<'PY'
import json, sys
path, name, file, rnd, before, after, ticks = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], *map(int, sys.argv[5:])
r = json.load(open(path))
s = r["summary"]
if s["errors"] + s["non2xx3xx"]:
    sys.exit(f"{name}: failed requests: the comparison is void")
requests = s["requests"] * (s["elapsedSeconds"] + 1) / s["elapsedSeconds"]  # the warm-up second served too
client = r.get("client", {}).get("cpuShareOfCores", 0)
print(f"{name} {file} {rnd} {s['requestsPerSecond']:.1f} {r['latency']['percentiles']['50'] / 1000:.3f} "
      f"{r['latency']['percentiles']['99'] / 1000:.3f} {(after - before) / ticks * 1e6 / requests:.1f}")
PY
}

echo "one worker each on core 1, stackbench load on core 0, c=$connections, ${seconds}s, $rounds rounds per file"
echo "server file round req/s p50_ms p99_ms server_cpu_us/req"
: > "$work/runs"
for file in one-k.bin hundred-k.bin; do
    for round in $(seq "$rounds"); do
        run nginx "$nginx_port" "$file" "$round" "$nginx_pid" | tee -a "$work/runs"
        run stackbench "$ours_port" "$file" "$round" "$ours_pid" | tee -a "$work/runs"
    done
done
python3 - "$work/runs" <<'PY'
import statistics, sys
by = {}
for name, file, _, rps, p50, p99, cpu in (line.split() for line in open(sys.argv[1])):
    by.setdefault((file, name), []).append((float(rps), float(p50), float(p99), float(cpu)))
print("\nmedians (min-max req/s)        req/s                 p50_ms   p99_ms  server_cpu_us/req")
for file in ("one-k.bin", "hundred-k.bin"):
    med = {}
    for name in ("nginx", "stackbench"):
        rows = by[(file, name)]
        med[name] = [statistics.median(c) for c in zip(*rows)]
        low, high = min(r[0] for r in rows), max(r[0] for r in rows)
        rps, p50, p99, cpu = med[name]
        print(f"  {file:<14} {name:<11} {rps:>9.1f} ({low:.0f}-{high:.0f}) {p50:>9.3f} {p99:>8.3f} {cpu:>12.1f}")
    n, s = med["nginx"], med["stackbench"]
    print(f"  {file}: stackbench/nginx req/s {s[0] / n[0]:.2f}x (goal >= 1x), p99 {s[2] / n[2]:.2f}x, CPU per request {s[3] / n[3]:.2f}x")
PY
