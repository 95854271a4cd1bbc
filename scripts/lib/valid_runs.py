"""Imported by the bench scripts' summaries: the medians of the runs whose client was not the bottleneck.

A runs file has one line per run: NAME ROUND VALUE... CLIENT_SHARE VERDICT, VERDICT "ok" or "void(client>90%)".
A void run measured the client, not the server, so it is counted and left out of every median and ratio."""
import statistics


def valid_medians(path):
    """({name: [median of each value column]} over the valid runs, {name: void runs}); a name whose every run was
    void has no medians."""
    by, void = {}, {}
    for fields in (line.split() for line in open(path)):
        name, values, verdict = fields[0], fields[2:-2], fields[-1]
        by.setdefault(name, [])
        if verdict != "ok":
            void[name] = void.get(name, 0) + 1
            continue
        by[name].append([float(v) for v in values])
    medians = {name: [statistics.median(column) for column in zip(*rows)] for name, rows in by.items() if rows}
    return medians, void
