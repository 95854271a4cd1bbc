"""Imported by the bench scripts' per-run summaries: what one `wrk --latency` run printed.

The client's CPU is measured around wrk by the script (bash `time`), not here."""
import re


def read(text):
    """(req/s, requests, p99 in ms, failure): failure is None, or the line saying which requests failed (a run
    with a failed request makes the comparison void)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    bad = re.search(r"Non-2xx or 3xx responses: \d+", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    failure = bad.group(0) if bad else errors.group(0) if errors and sum(map(int, errors.groups())) else None
    return rps, total, p99, failure
