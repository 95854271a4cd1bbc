#!/usr/bin/env bash
# Benchmark (not a test): stackbench load (its default framed engine, and --engine curl as "stackbench-curl") against
# wrk and h2load (--h1, Debian's nghttp2-client), all loading
# Debian's nginx serving a 1 KiB file. nginx on core 1, the client on core 0, the same connections and duration,
# interleaved wrk/h2load/stackbench ROUNDS times. Prints per run: req/s, p99 (h2load gives none: "-"), client CPU
# share and client CPU per request, nginx CPU share; then min/median/max per client and the ratios of the medians
# to wrk. Clients are ranked by CPU per request, which holds whichever side saturates first (BENCHMARKING.md).
#   CONNECTIONS=64 DURATION=10 ROUNDS=3 scripts/bench-loadgen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-64}
seconds=${DURATION:-10}
rounds=${ROUNDS:-3}
scripts/install-deps.sh wrk nghttp2-client time
source scripts/lib/build-release.sh
build_release >/dev/null
source scripts/lib/nginx-static.sh
work=$(mktemp -d /tmp/stackbench-bench.XXXXXX)
trap 'nginx_static_stop; rm -rf "$work"' EXIT
nginx_static_start "$(free_port)" 1

ticks=$(getconf CLK_TCK)
nginx_ticks() { awk '{print $14 + $15}' "/proc/$NGINX_PID/stat"; }

# One run: CLIENT ROUND -> appends "client round rps p99_ms cpu_s requests nginx_cpu_s" to $work/runs
run_wrk() {
    local before after
    before=$(nginx_ticks)
    taskset -c 0 /usr/bin/time -f "%U %S" -o "$work/time" \
        wrk -t1 -c"$connections" -d"${seconds}s" --latency "$NGINX_URL" > "$work/wrk.out"
    after=$(nginx_ticks)
    python3 - "$work" "$1" "$before" "$after" "$ticks" <<'PY'
import re, sys
work, rnd, before, after, ticks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
out = open(f"{work}/wrk.out").read()
def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", out).group(1))
requests = int(re.search(r"(\d+) requests in", out).group(1))
user, system = map(float, open(f"{work}/time").read().split()[-2:])
print(f"wrk {rnd} {rps} {p99} {user + system} {requests} {(after - before) / ticks}")
PY
}

run_h2load() {
    local before after
    before=$(nginx_ticks)
    taskset -c 0 /usr/bin/time -f "%U %S" -o "$work/time" \
        h2load --h1 -t1 -c"$connections" -D "$seconds" "$NGINX_URL" > "$work/h2load.out"
    after=$(nginx_ticks)
    python3 - "$work" "$1" "$before" "$after" "$ticks" <<'PY'
import re, sys
work, rnd, before, after, ticks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
out = open(f"{work}/h2load.out").read()
rps = float(re.search(r"finished in [\d.]+s, ([\d.]+) req/s", out).group(1))
done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
if done.group(1) != done.group(2):
    sys.exit(f"h2load: {int(done.group(1)) - int(done.group(2))} failed requests: the comparison is void")
user, system = map(float, open(f"{work}/time").read().split()[-2:])
print(f"h2load {rnd} {rps} - {user + system} {done.group(1)} {(after - before) / ticks}")
PY
}

# CLIENT-NAME ENGINE ROUND
run_stackbench() {
    local before after
    before=$(nginx_ticks)
    taskset -c 0 /usr/bin/time -f "%U %S" -o "$work/time" \
        "$binary" load "$NGINX_URL" -c "$connections" -d "${seconds}s" --cpus 0 --engine "$2" --json "$work/sb.json" \
        > "$work/sb.out" 2>/dev/null
    after=$(nginx_ticks)
    python3 - "$work" "$3" "$before" "$after" "$ticks" "$1" <<'PY'
import json, sys
work, rnd, before, after, ticks, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
result = json.load(open(f"{work}/sb.json"))
user, system = map(float, open(f"{work}/time").read().split()[-2:])
s = result["summary"]
errors = s["errors"] + s["non2xx3xx"]
if errors:
    sys.exit(f"{name} saw {errors} errors: the comparison is void")
print(f"{name} {rnd} {s['responsesPerSecond']} {result['latencyMicroseconds']['percentiles']['99'] / 1000} "
      f"{user + system} {s['requests']} {(after - before) / ticks}")
PY
}

echo "nginx 1 KiB at $NGINX_URL (core 1), clients on core 0, c=$connections, ${seconds}s, $rounds rounds"
taskset -c 0 wrk -t1 -c"$connections" -d1s "$NGINX_URL" >/dev/null   # warm-up, discarded
: > "$work/runs"
for round in $(seq "$rounds"); do
    run_wrk "$round" | tee -a "$work/runs"
    run_h2load "$round" | tee -a "$work/runs"
    run_stackbench stackbench framed "$round" | tee -a "$work/runs"
    run_stackbench stackbench-curl curl "$round" | tee -a "$work/runs"
done

python3 - "$work/runs" "$seconds" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
seconds = float(sys.argv[2])
by = {}
for client, _, rps, p99, cpu, requests, nginx in rows:
    by.setdefault(client, []).append((float(rps), None if p99 == "-" else float(p99), float(cpu), int(requests),
                                      float(nginx)))
def spread(values, fmt):
    if any(v is None for v in values):
        return "-"
    return f"{fmt.format(min(values))} / {fmt.format(statistics.median(values))} / {fmt.format(max(values))}"
print()
print(f"{'client':<16} {'req/s min/med/max':<30} {'p99 ms min/med/max':<22} {'client CPU':<18} "
      f"{'us CPU/req':<20} nginx CPU")
med = {}
for client in ("wrk", "h2load", "stackbench", "stackbench-curl"):
    runs = by[client]
    rps = [r[0] for r in runs]; p99 = [r[1] for r in runs]
    share = [r[2] / seconds for r in runs]; per = [r[2] / r[3] * 1e6 for r in runs]; ng = [r[4] / seconds for r in runs]
    med[client] = (statistics.median(rps), None if None in p99 else statistics.median(p99), statistics.median(per))
    print(f"{client:<16} {spread(rps, '{:.0f}'):<30} {spread(p99, '{:.2f}'):<22} "
          f"{spread([s * 100 for s in share], '{:.0f}%'):<18} {spread(per, '{:.2f}'):<20} "
          f"{statistics.median(ng) * 100:.0f}%")
print()
for client in ("h2load", "stackbench", "stackbench-curl"):
    p99 = f"p99 {med[client][1] / med['wrk'][1]:.2f}x, " if med[client][1] is not None else ""
    print(f"ratio {client}/wrk (medians): req/s {med[client][0] / med['wrk'][0]:.2f}x, {p99}"
          f"CPU per request {med[client][2] / med['wrk'][2]:.2f}x")
PY
