#!/usr/bin/env bash
# Benchmark (not a test): Django's runserver (Debian python3-django) against `stackbench runserver`, each serving a
# /hello view answering "hello\n" as text/plain. The server on core 1 (`--noreload`: one process), `stackbench load`
# on core 0, the same connections and duration, the two servers interleaved ROUNDS times, one at a time.
# Prints per run: req/s, p50, p99, server CPU share, server CPU per request and the client's CPU share (a run whose
# client was over 90% busy is void and left out); then the medians of the valid runs and the stackbench/Django ratios.
#   CONNECTIONS=8 DURATION=10 ROUNDS=3 KEEPALIVE=1 scripts/bench-devserver.sh
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${CONNECTIONS:-8}
seconds=${DURATION:-10}
rounds=${ROUNDS:-3}
keepalive=${KEEPALIVE:-1}
scripts/install-deps.sh python3-django
source scripts/lib/build-release.sh
build_release >/dev/null
source scripts/lib/ports.sh
work=$(mktemp -d /tmp/stackbench-devserver.XXXXXX)
server_pid=
stop_server() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# Django: a fresh startproject with one view, as a user would write it.
mkdir -p "$work/django"
/usr/bin/python3 -m django startproject benchsite "$work/django"
cat >> "$work/django/benchsite/settings.py" <<'PY'
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PY
cat > "$work/django/benchsite/urls.py" <<'PY'
from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("hello\n", content_type="text/plain; charset=utf-8")


urlpatterns = [path("hello", hello)]
PY
# stackbench: a copy of the teacher project (its /hello is the same view).
mkdir -p "$work/teacher"
cp -r scenarios/teacher/settings.yml scenarios/teacher/templates scenarios/teacher/static scenarios/teacher/seed "$work/teacher/"

start_server() {  # NAME PORT
    case $1 in
    django) (cd "$work/django" && exec taskset -c 1 /usr/bin/python3 manage.py runserver --noreload "127.0.0.1:$2" \
                >"$work/server.out" 2>&1) & ;;
    stackbench) taskset -c 1 "$binary" runserver "127.0.0.1:$2" --settings "$work/teacher/settings.yml" \
                >"$work/server.out" 2>&1 & ;;
    esac
    server_pid=$!
    wait_http "http://127.0.0.1:$2/hello"
}

ticks=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
load_flags=(-c "$connections" -d "${seconds}s" --warmup 1s --cpus 0)
[[ $keepalive == 1 ]] || load_flags+=(--no-keepalive)

run() {  # NAME ROUND -> "name round rps p50_ms p99_ms cpu_share cpu_us_per_request"
    local port before after
    port=$(free_port)
    start_server "$1" "$port"
    before=$(server_ticks)
    taskset -c 0 "$binary" load "http://127.0.0.1:$port/hello" "${load_flags[@]}" --json "$work/load.json" \
        >/dev/null 2>&1
    after=$(server_ticks)
    stop_server
    python3 - "$work/load.json" "$1" "$2" "$before" "$after" "$ticks" <<'PY'
import json, sys
path, name, rnd, before, after, ticks = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:])
result = json.load(open(path))
s = result["summary"]
bad = s["errors"] + s["non2xx3xx"]
if bad:
    sys.exit(f"{name}: {bad} failed requests: the comparison is void")
# The server's CPU over warm-up + window; the window dominates, and the share is of the window's length.
cpu = (after - before) / ticks
window = s["elapsedSeconds"]
client = result["clientCPU"]["shareOfCores"]
verdict = "void(client>90%)" if client > 0.90 else "ok"
print(f"{name} {rnd} {s['responsesPerSecond']:.1f} {result['latencyMicroseconds']['percentiles']['50'] / 1000:.3f} "
      f"{result['latencyMicroseconds']['percentiles']['99'] / 1000:.3f} {cpu / (window + 1):.2f} {cpu * 1e6 / s['requests']:.1f} "
      f"{client * 100:.0f}% {verdict}")
PY
}

echo "/hello on core 1, stackbench load on core 0, c=$connections, ${seconds}s (+1s warm-up), keep-alive=$keepalive, $rounds rounds"
echo "server round req/s p50_ms p99_ms server_cpu_share server_cpu_us/req client_cpu verdict"
: > "$work/runs"
for round in $(seq "$rounds"); do
    run django "$round" | tee -a "$work/runs"
    run stackbench "$round" | tee -a "$work/runs"
done

python3 - "$work/runs" scripts/lib <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from valid_runs import valid_medians
med, void = valid_medians(sys.argv[1])  # void: the client was the bottleneck
print("\nmedians of the valid runs  req/s    p50_ms   p99_ms  cpu_share  cpu_us/req  (void runs)")
for name in ("django", "stackbench"):
    if name not in med:
        print(f"  {name:<12} every run void: the client was the bottleneck")
        continue
    rps, p50, p99, share, per = med[name]
    print(f"  {name:<12} {rps:>9.1f} {p50:>9.3f} {p99:>8.3f} {share:>9.2f} {per:>10.1f}  ({void.get(name, 0)})")
if "django" in med and "stackbench" in med:
    d, s = med["django"], med["stackbench"]
    print(f"\nstackbench/django: req/s {s[0] / d[0]:.2f}x, p99 {s[2] / d[2]:.3f}x, server CPU per request {s[4] / d[4]:.3f}x")
else:
    print("\nstackbench/django: void (no valid run on one side)")
PY
