#!/usr/bin/env bash
# Fuzzes every reader of untrusted input with libFuzzer (coverage-guided, in process): nginx.conf, uwsgi.ini,
# scenario YAML, an HTTP request head, a uwsgi packet, an upstream's response head, a chunked body, load agents'
# kubectl logs, a server's response as the load engine frames it, a static request with Range and If-* headers, an
# upstream's whole answer relayed by a running front, merge's counts and histograms, and a result.json for report. Each runs for
# a bounded time with a per-input time limit (a hang is a finding) and a memory limit; the corpus starts from the
# shipped files. Not part of the tests.
#   scripts/fuzz.sh                  every target, 60 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh FuzzUwsgiIni    one target, longer
# Prints per target the executions, the corpus size and what was found; exit 1 when anything was (the inputs are
# kept in .build-fuzz/findings/TARGET/, replay one with `Fuzz/.build/debug/TARGET FILE`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(FuzzNginxConf FuzzUwsgiIni FuzzScenario FuzzRequestHead FuzzUwsgiPacket FuzzUpstreamHead FuzzChunkedBody FuzzKubernetesLogs
             FuzzResponseFramer FuzzStaticResponse FuzzUpstreamRelay FuzzMerge FuzzResultReport)
fi
work=.build-fuzz
mkdir -p "$work"
echo "fuzz: building Fuzz/ with -sanitize=fuzzer (a few minutes the first time)" >&2
# The flags go in a toolset, which SwiftPM applies to what it builds for the target only: passed as -Xswiftc they
# would reach the @PublicInit macro's compiler plugin too, whose own main then clashes with libFuzzer's.
toolset=$PWD/$work/toolset.json
printf '{ "schemaVersion": "1.0", "swiftCompiler": { "extraCLIOptions": ["-sanitize=fuzzer", "-enable-testing"] } }\n' >"$toolset"
log=$(mktemp)
if ! (cd Fuzz && swift build --toolset "$toolset") >"$log" 2>&1; then
    tail -30 "$log" >&2; rm -f "$log"; echo "fuzz: the build failed" >&2; exit 1
fi
rm -f "$log"

# Seeds: the shipped files, and a few inputs of each wire format.
seed() {  # seed TARGET FILE...
    local corpus=$work/corpus/$1; shift
    mkdir -p "$corpus"
    for file in "$@"; do [[ -f $file ]] && cp "$file" "$corpus/" || true; done
}
seed FuzzNginxConf scenarios/teacher/nginx.conf scenarios/seed/nginx-server.conf scenarios/reference/*/nginx.conf
seed FuzzUwsgiIni scenarios/seed/uwsgi.ini scenarios/teacher/uwsgi.ini scenarios/reference/*/uwsgi.ini
seed FuzzScenario scenarios/*.yml
mkdir -p "$work/corpus/FuzzRequestHead" "$work/corpus/FuzzUwsgiPacket" "$work/corpus/FuzzUpstreamHead" "$work/corpus/FuzzChunkedBody"
printf 'GET /static/css/app.css HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nIf-Range: "a-b"\r\n\r\n' >"$work/corpus/FuzzRequestHead/get"
printf 'POST /api/teachers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n' >"$work/corpus/FuzzRequestHead/post"
printf 'GET /\r\n' >"$work/corpus/FuzzRequestHead/http09"
python3 - "$work/corpus/FuzzUwsgiPacket/request" <<'PY'
import struct, sys
pairs = [("REQUEST_METHOD", "GET"), ("PATH_INFO", "/api/teachers"), ("HTTP_HOST", "x"), ("CONTENT_LENGTH", "0")]
block = b"".join(struct.pack("<H", len(k)) + k.encode() + struct.pack("<H", len(v)) + v.encode() for k, v in pairs)
open(sys.argv[1], "wb").write(struct.pack("<BHB", 0, len(block), 0) + block)
PY
printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello' >"$work/corpus/FuzzUpstreamHead/ok"
printf 'Status: 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n' >"$work/corpus/FuzzUpstreamHead/status"
printf '5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n' >"$work/corpus/FuzzChunkedBody/chunks"
mkdir -p "$work/corpus/FuzzResponseFramer"
printf '\x10HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello' >"$work/corpus/FuzzResponseFramer/nginx"
printf '\x20HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n' >"$work/corpus/FuzzResponseFramer/chunked"
printf '\x07HTTP/1.0 204 No Content\r\nContent-Length: 4\r\n\r\n' >"$work/corpus/FuzzResponseFramer/head"
mkdir -p "$work/corpus/FuzzKubernetesLogs"
# Two pods' results for one target, as kubectl logs --prefix prints them, from a real load's JSON.
python3 - "$work/corpus/FuzzKubernetesLogs/two-pods" <<'PY'
import json, sys
result = {"schema": "stackbench.load/2", "startedAt": "2026-12-02T17:00:00.000Z", "config": {"requests": [{"method": "GET", "url": "http://x/", "headers": [], "bodyBytes": 0, "weight": 1}], "connections": 2, "threads": 1, "model": "closed", "durationSeconds": 1, "warmupSeconds": 0, "timeoutSeconds": 30, "keepAlive": True},
          "summary": {"requests": 3, "responses": 3, "errors": 0, "non2xx3xx": 0, "unfinished": 0, "elapsedSeconds": 1, "responsesPerSecond": 3, "bytes": 30, "bytesPerSecond": 30},
          "latencyMicroseconds": {"min": 100, "mean": 200, "stdev": 50, "max": 300, "percentiles": {"50": 200, "99": 300}},
          "statusCodes": {"200": 3}, "statusClasses": {"2xx": 3}, "errors": {"byCategory": {}, "byCurlCode": {}, "curlMessages": {}},
          "clientCPU": {"userSeconds": 0.1, "systemSeconds": 0.1, "cores": 1, "shareOfCores": 0.2, "microsecondsPerRequest": 60000, "saturated": False},
          "perSecond": [{"second": 0, "responses": 3, "errors": 0, "non2xx3xx": 0, "p50Microseconds": 200, "p99Microseconds": 300}],
          "latencyHistogramMicroseconds": {"lowest": 1, "highest": 3600000000, "significantDigits": 3, "counts": [[100, 1], [200, 1], [300, 1]]},
          "warnings": []}
lines = []
for agent in (0, 1):
    result["tag"] = f"agent-{agent}"
    lines.append(f"[pod/stackbench-x-{agent}/agent] ---stackbench-result target=home agent={agent} of=2 status=0---")
    lines += [f"[pod/stackbench-x-{agent}/agent] {line}" for line in json.dumps(result, indent=2).split("\n")]
    lines.append(f"[pod/stackbench-x-{agent}/agent] ---stackbench-end---")
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

# The second round of hostile inputs (issue 29), each where it trapped, split or hung.
corpus=$work/corpus
mkdir -p "$corpus/FuzzStaticResponse" "$corpus/FuzzUpstreamRelay" "$corpus/FuzzMerge" "$corpus/FuzzResultReport"
printf 'GET /static/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9223372036854775807\r\n\r\n' >"$corpus/FuzzStaticResponse/range-max"
printf 'GET /static/a.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Mon, 01 Jan 99999999999 00:00:00 GMT\r\n\r\n' >"$corpus/FuzzStaticResponse/year"
printf 'GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: Mon, 01 Jan 99999999999 00:00:00 GMT\r\nIf-Unmodified-Since: x\r\n\r\n' >"$corpus/FuzzStaticResponse/if-range"
printf 'GET /static/dir HTTP/1.1\r\nHost: x\r\nIf-None-Match: W/"a", *\r\nIf-Match: "b"\r\nRange: bytes=-5\r\n\r\n' >"$corpus/FuzzStaticResponse/tags"
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nX-Injected: 1\r\nContent-Length: 3\r\n\r\nbad' >"$corpus/FuzzUpstreamRelay/inject"
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel' >"$corpus/FuzzUpstreamRelay/cut"
printf 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' >"$corpus/FuzzUpstreamRelay/both"
printf 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\nok' >"$corpus/FuzzUpstreamRelay/interim"
printf 'Status: 304 Not Modified\r\nContent-Length: 10\r\n\r\n0123456789' >"$corpus/FuzzUpstreamRelay/status"
head -c 256 /dev/zero >"$corpus/FuzzMerge/zeros"
head -c 256 /dev/zero | tr '\0' '\377' >"$corpus/FuzzMerge/ones"
printf '\x80\0\0\0\0\0\0\0\x7f\xff\xff\xff\xff\xff\xff\xff' >"$corpus/FuzzMerge/edges"
STACKBENCH_FUZZ_SEED="$corpus/FuzzResultReport/synthetic.json" Fuzz/.build/debug/FuzzResultReport
head -c 512 /dev/zero | tr '\0' '\377' >"$corpus/FuzzResultReport/ones"
printf '\x7f\xff\xff\xff\xff\xff\xff\xff%.0s' {1..40} >"$corpus/FuzzResultReport/int-max"
# kubectl logs whose markers trapped or wrote outside the output folder.
for marker in "agent=0 of=-1" "agent=0 of=9223372036854775807" "agent=0 of=1000000000000"; do
    printf -- '---stackbench-result target=home %s status=0---\n{}\n---stackbench-end---\n' "$marker" >"$corpus/FuzzKubernetesLogs/${marker// /_}"
done
printf -- '---stackbench-result target=../pwned agent=0 of=1 status=0---\n{}\n---stackbench-end---\n' >"$corpus/FuzzKubernetesLogs/traversal"

printf '%-18s %12s %10s %8s  %s\n' target executions "exec/s" corpus found
found_any=0
for target in "${targets[@]}"; do
    findings=$work/findings/$target
    mkdir -p "$findings"
    output=$work/$target.log
    # -timeout: an input that takes longer is a hang; -rss_limit_mb: one that takes more is a blow-up.
    status=0
    Fuzz/.build/debug/"$target" "$work/corpus/$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
        -artifact_prefix="$findings/" -print_final_stats=1 >"$output" 2>&1 || status=$?
    runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$output" | grep -oE '[0-9]+$' || echo 0)
    rate=$(grep -oE '^stat::average_exec_per_sec: *[0-9]+' "$output" | grep -oE '[0-9]+$' || echo 0)
    corpus=$(find "$work/corpus/$target" -type f | wc -l)
    artifacts=$(find "$findings" -type f | wc -l)
    what=none
    if (( status != 0 || artifacts > 0 )); then
        found_any=1
        what="$(grep -m1 -oE 'ERROR: libFuzzer: [a-z-]+|Fatal error: .*|deadly signal' "$output" || echo "exit $status"); see $output"
    fi
    printf '%-18s %12s %10s %8s  %s\n' "$target" "$runs" "$rate" "$corpus" "$what"
done
exit "$found_any"
