"""Imported by the bench scripts' summaries: the runs whose client was not the bottleneck, and their medians.

A runs file has one line per run: NAME ROUND VALUE... CLIENT_SHARE VERDICT, VERDICT "ok" or "void(client>90%)".
A void run measured the client, not the server, so it is counted and left out of every median and ratio."""
import statistics


def runs(path):
    """[(name, round, [values], valid)] for each line of the runs file, in order."""
    return [(f[0], f[1], [float(v) for v in f[2:-2]], f[-1] == "ok") for f in (line.split() for line in open(path))]


def valid_medians(path):
    """({name: [median of each value column]} over the valid runs, {name: void runs}); a name whose every run was
    void has no medians."""
    by, void = {}, {}
    for name, _, values, valid in runs(path):
        by.setdefault(name, [])
        if not valid:
            void[name] = void.get(name, 0) + 1
            continue
        by[name].append(values)
    medians = {name: [statistics.median(column) for column in zip(*rows)] for name, rows in by.items() if rows}
    return medians, void
