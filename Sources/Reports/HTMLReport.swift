import BenchSupport
import Foundation
import LoadEngine
import Results

/// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that shows what
/// report.md tabulates: throughput by setting per path, ratios between paths, per target the latency percentile
/// curves (log scale) and req/s over the measured window, then server CPU per request and memory by setting.
/// Latency curves come from the HDR histograms merged over a cell's repetitions; the per-second series from
/// the repetition whose req/s is the median. This file says what the page holds (an HTMLDocument); the markup is
/// HTMLTemplate's.
struct HTMLReport {
    typealias Section = HTMLDocument.Section
    typealias Block = HTMLDocument.Block
    typealias Table = HTMLDocument.Table
    typealias Row = HTMLDocument.Row
    typealias Cell = HTMLDocument.Cell

    let analysis: RunAnalysis

    init(result: ScenarioResult) { analysis = RunAnalysis(result) }

    var text: String { document.html }

    var document: HTMLDocument {
        let targets = analysis.targetNames
        var page = HTMLDocument(title: analysis.scenario.name + " — stackbench", heading: analysis.scenario.name,
                                meta: [analysis.runDescription, analysis.loadDescription, analysis.preparationDescription].filter { !$0.isEmpty })
        var sections: [Section] = []
        if analysis.interrupted { sections.append(Section("Interrupted", blocks: [.paragraphs(["Only the cells below finished."], style: "bad")])) }
        if let answers = analysis.answers {
            var blocks: [Block] = [.list(answers.findings)]
            if !answers.caveats.isEmpty { blocks += [.paragraphs(["Read with care:"], style: "meta"), .list(answers.caveats)] }
            sections.append(Section("Answers", blocks: blocks))
        }
        sections += thresholdsAndFailures()
        guard !targets.isEmpty else {
            page.sections = sections + [Section("Charts", blocks: [.paragraphs(["No cell finished, so there is nothing to chart."])])]
            return page
        }
        let throughput = throughputChart(targets)
        sections.append(Section("Throughput by setting", captions: [
            "Median req/s per path and configuration (a path that does not read the swept keys is one bar), the whiskers the range over "
                + "the repetitions" + (throughput.log ? "; log axis: the paths differ by more than 20 times." : "."),
        ], blocks: [.chart(throughput.svg)]))
        if let chart = TimeChart.report(analysis) {
            sections.append(Section("Where the time went", captions: [
                "The median request of each path and configuration, split by tier: the worker's own time (the pool's running_time over "
                    + "its requests), waiting for a worker and the front's own time (from the front's timing log), the rest between the "
                    + "client and the front. Differences of medians over the windows: see docs/scenarios.md for how each is measured.",
            ], blocks: [.chart(chart)]))
        }
        sections += [effectsTable(), sideBySide(), ratiosTable(targets)].compactMap { $0 }
        sections += targets.enumerated().map { targetSection($1, index: $0) }
        sections += [capacityCurves(targets)].compactMap { $0 } + validityAndEvents()
        // Only where stack processes served something (an external target has none of its own).
        if analysis.okCells.contains(where: { analysis.targets(in: $0).contains { ($0.median?.cpuPerRequest ?? 0) > 0 } }) {
            sections.append(Section("Server CPU per request", captions: [
                "CPU time of the processes serving each path (front and pool for proxied-dynamic) over the measured window, divided by the requests.",
            ], blocks: [.chart(groupedBars(targets, format: { Units.formatWhole($0) + " µs" }, title: "server CPU µs / request", windows: .cpuPerRequest) { $0.cpuPerRequest })]))
            if analysis.okCells.allSatisfy({ analysis.targets(in: $0).allSatisfy { $0.median?.pss != nil } }) {
                sections.append(Section("Server memory", captions: [
                    "PSS of the processes serving each path at the end of the window: pages shared by several processes (the binary, libraries, "
                        + "a pool's forked workers) are divided among them, so the figure adds up as RSS does not.",
                ], blocks: [.chart(groupedBars(targets, format: { Units.formatWhole($0) + " MiB" }, title: "PSS, MiB") { ($0.pss ?? 0) / 1024 })]))
            } else {
                sections.append(Section("Server memory", captions: [
                    "Peak RSS of the processes serving each path, summed over their process trees (this result predates PSS: shared pages are "
                        + "counted once per process).",
                ], blocks: [.chart(groupedBars(targets, format: { Units.formatWhole($0) + " MiB" }, title: "peak RSS, MiB") { $0.rss / 1024 })]))
            }
        }
        page.sections = sections
        return page
    }

    // MARK: sections

    private func thresholdsAndFailures() -> [Section] {
        var sections: [Section] = []
        let failed = analysis.cells.filter { $0.status != .ok }
        if !failed.isEmpty {
            sections.append(Section("Failed or skipped cells", blocks: [
                .list(failed.map { HTMLDocument.Styled("\($0.label) (\($0.status.rawValue)): \($0.failure ?? "")", style: "bad") }),
            ]))
        }
        if !analysis.thresholds.isEmpty {
            let failedOnes = analysis.thresholds.filter { !$0.passed }
            sections.append(Section("Thresholds: \(analysis.thresholds.count - failedOnes.count) of \(analysis.thresholds.count) passed",
                                    blocks: (failedOnes.isEmpty ? [] : [.table(thresholdTable(failedOnes))])
                                        + [.folded("every threshold in every cell", thresholdTable(analysis.thresholds))]))
        }
        return sections
    }

    private func thresholdTable(_ outcomes: [ScenarioResult.ThresholdOutcome]) -> Table {
        Table(headers: ["threshold", "cell", "target", "value", ""], rows: outcomes.map {
            Row([Cell($0.threshold, code: true), Cell($0.cell), Cell($0.target), .number($0.valueText),
                 $0.passed ? Cell("pass", style: "good") : Cell("FAIL", style: "bad")])
        })
    }

    /// On a log axis when the paths differ by more than 20 times, so that 300 req/s stays visible beside 57k.
    private func throughputChart(_ targets: [String]) -> (svg: String, log: Bool) {
        let rates = analysis.okCells.flatMap { analysis.targets(in: $0).compactMap { $0.median?.rps } }.filter { $0 > 0 }
        let log = (rates.max() ?? 0) > 20 * (rates.min() ?? .infinity)
        return (groupedBars(targets, format: { Units.formatCount($0) }, title: "req/s", scale: log ? .log : .linear, windows: .rps) { $0.rps }, log)
    }

    /// One bar per target and configuration (a target its cells share is one bar, named by the target; a target
    /// with several configurations has one bar per configuration, named by its settings), coloured by target, with
    /// a whisker over the range of the repetitions of `windows` when there are several.
    private func groupedBars(_ targets: [String], format: @escaping (Double) -> String, title: String,
                             scale: SVGChart.Scale = .linear, windows: Metric? = nil, _ metric: (ScenarioResult.Summary) -> Double) -> String {
        let columns = targets.enumerated().flatMap { index, name in
            let configurations = analysis.configurations(of: name)
            return configurations.map { (series: index, label: configurations.count == 1 && $0.label == "every cell" ? name : $0.label, target: $0.target) }
        }
        let series = targets.indices.map { index in
            (name: targets[index], values: columns.map { $0.series == index ? $0.target.median.map(metric) : nil })
        }
        let ranges = targets.indices.map { index in
            columns.map { column -> ClosedRange<Double>? in
                guard column.series == index, let windows else { return nil }
                let values = column.target.values(windows)
                guard values.count > 1, let low = values.min(), let high = values.max() else { return nil }
                return low...high
            }
        }
        return SVGChart.bars(categories: columns.map(\.label), series: series, yAxis: .init(title: title, scale: scale, format: format), ranges: ranges)
            + SVGChart.legend(targets.enumerated().map { ($1, SVGChart.color($0).color, false) })
    }

    /// When the matrix sweeps `stack`: a chart of req/s per path, one bar per stack, and the table of medians and
    /// ratios over the reference stack.
    private func sideBySide() -> Section? {
        let sides = analysis.sideBySide()
        guard !sides.isEmpty, let baseline = analysis.baselineStack else { return nil }
        let stacks = analysis.stackNames
        let others = stacks.filter { $0 != baseline }
        let rows = sides.flatMap { side in side.groups.map { (target: side.target, group: $0) } }
        let multipleSettings = Set(rows.map(\.group.settings)).count > 1
        let categories = rows.map { multipleSettings ? "\($0.target) · \($0.group.settings)" : $0.target }
        let series = stacks.map { stack in (name: stack, values: rows.map { $0.group.byStack[stack]?.rps }) }
        let chart = SVGChart.bars(categories: categories, series: series, yAxis: .init(title: "req/s", format: { Units.formatCount($0) }))
            + SVGChart.legend(stacks.enumerated().map { ($1, SVGChart.color($0).color, false) })
        let table = Table(headers: ["path"] + stacks.map { "\($0) req/s · p99" } + others.map { "\($0) / \(baseline)" },
                          rows: zip(categories, rows).map { category, row in
                              Row([Cell(category)] + stacks.map { stack in
                                  .number(row.group.byStack[stack].map { Units.formatCount($0.rps) + " · " + Units.formatMicroseconds($0.p99) } ?? "-")
                              } + others.map { .number(row.group.ratioText($0, over: baseline)) })
                          })
        var blocks: [Block] = [.chart(chart), .table(table)]
        let memory = analysis.stackMemory
        if !memory.isEmpty {
            blocks.append(.paragraphs(["Memory of each stack's front and pool together, as PSS (shared pages divided among the processes sharing "
                                           + "them, so the processes add up): " + memory.map { "\($0.stack) \(Units.formatBytes($0.pssKiB * 1024))" }.joined(separator: ", ") + "."],
                                      style: "meta"))
        }
        return Section("Stacks side by side", captions: ["Median req/s per path, one bar per stack; the ratios are each stack's req/s over \(baseline)'s."],
                       blocks: blocks)
    }

    /// Per target searched: latency against offered load, one curve per cell, the limit and each capacity marked.
    private func capacityCurves(_ targets: [String]) -> Section? {
        var blocks: [Block] = []
        for target in targets {
            let searched = analysis.okCells.compactMap { cell in analysis.target(target, in: cell)?.searches.map { (cell.label, $0) } }
            guard !searched.isEmpty else { continue }
            let series = searched.enumerated().flatMap { index, item in
                item.1.map { search in
                    SVGChart.Series(name: item.0, color: SVGChart.color(index).color, dashed: SVGChart.color(index).dashed,
                                    points: search.steps.sorted { $0.offered < $1.offered }.map { (x: $0.offered, y: max($0.p99, 1)) })
                }
            }
            let limit = analysis.configurations.lazy.filter { $0.target.name == target }.compactMap { $0.target.searches?.first }.first
            let markers = searched.flatMap { item in item.1.compactMap { search in search.capacity.map { (x: $0, label: "\(item.0): \(Units.formatCount($0))") } } }
            let limitLine = limit?.latencyLimits["99"].map { [(y: $0, label: "p99 limit")] } ?? []
            blocks += [
                .heading("\(target): p99 against offered load"),
                .chart(SVGChart.lines(series: series, xAxis: .init(title: "offered req/s (open model)", format: { Units.formatCount($0) }),
                                      yAxis: .init(title: "p99 (corrected)", scale: .log, format: { Units.formatMicroseconds($0) }),
                                      markers: markers, horizontal: limitLine)
                       + SVGChart.legend(searched.enumerated().map { ($1.0, SVGChart.color($0).color, SVGChart.color($0).dashed) })),
                .table(Table(headers: ["cell", "capacity", "criteria", "ended"], rows: searched.flatMap { item in item.1.map { search in
                    Row([Cell(item.0), .number(search.capacity.map { Units.formatCount($0) + " req/s" } ?? "none"), Cell(search.criteria), Cell(search.ended)])
                } })),
            ]
        }
        return blocks.isEmpty ? nil : Section("Capacity", captions: [
            "The highest arrival rate whose window met the limits: p99 at every step of each search (the knee is where the curve turns up), "
                + "the limit dashed red, each capacity marked.",
        ], blocks: blocks)
    }

    /// Windows not to trust, and per window with events its per-second req/s, failures and p99 with the events marked.
    private func validityAndEvents() -> [Section] {
        var sections: [Section] = []
        let validity = analysis.validityRows
        if !validity.isEmpty {
            sections.append(Section("Windows not to trust", captions: [
                "Client-bound, under-delivered, disturbed, latency-bound or stalled-requests windows, and noisy targets; stackbench compare leaves flagged windows out.",
            ], blocks: [.table(Table(headers: ["cell", "target", "window", "flag", "why"], rows: validity.map { row in
                Row([Cell(row.cell), Cell(row.target), .number(row.window.map(String.init) ?? "all"), Cell(row.kind, style: "bad"), Cell(row.detail)])
            }))]))
        }
        let rows = analysis.eventRows
        guard !rows.isEmpty else { return sections }
        var blocks: [Block] = [.table(Table(headers: ["cell", "target", "window", "event", "at", "failed", "what happened"], rows: rows.map { row in
            Row([Cell(row.cell), Cell(row.target), .number("\(row.window)"), Cell(row.event.action), .number(Units.fixed(row.event.startedAt, 2) + " s"),
                 .number("\(row.event.failedRequests)", row.event.failedRequests > 0 ? "bad" : nil), Cell(row.event.detail)])
        }))]
        for cell in analysis.okCells {
            for target in analysis.targets(in: cell) {
                for (index, repetition) in target.repetitions.enumerated() {
                    guard let events = repetition.events, !events.isEmpty else { continue }
                    blocks += eventCharts(repetition.load.perSecond, markers: events.map { (x: $0.startedAt, label: $0.action) },
                                          heading: "\(cell.label) · \(target.name), window \(index + 1)")
                }
            }
        }
        sections.append(Section("Events under load", captions: [
            "Per second of each window with events: requests, failed requests (errors and non-2xx/3xx) and p99; dashed lines mark the events. "
                + "Failed requests are charged to an event from its second to the next event.",
        ], blocks: blocks))
        return sections
    }

    private func eventCharts(_ seconds: [RunResult.SecondSample], markers: [(x: Double, label: String)], heading: String) -> [Block] {
        let counts = [
            SVGChart.Series(name: "requests/s", color: SVGChart.color(0).color, points: seconds.map { (x: Double($0.second) + 0.5, y: Double($0.responses)) }),
            SVGChart.Series(name: "failed/s", color: SVGChart.color(2).color,
                            points: seconds.map { (x: Double($0.second) + 0.5, y: Double($0.errors + $0.non2xx3xx)) }),
        ]
        let p99 = SVGChart.Series(name: "p99", color: SVGChart.color(1).color,
                                  points: seconds.filter { $0.responses > 0 }.map { (x: Double($0.second) + 0.5, y: max($0.p99, 1)) })
        return [
            .heading(heading),
            .chart(SVGChart.lines(series: counts, xAxis: .init(title: "seconds into the window", format: { Units.formatWhole($0) }),
                                  yAxis: .init(title: "per second", format: { Units.formatCount($0) }), height: 240, markers: markers)
                   + SVGChart.legend(counts.map { ($0.name, $0.color, false) })),
            .chart(SVGChart.lines(series: [p99], xAxis: .init(title: "seconds into the window", format: { Units.formatWhole($0) }),
                                  yAxis: .init(title: "p99", scale: .log, format: { Units.formatMicroseconds($0) }), height: 200, markers: markers)),
        ]
    }

    /// What each key does per target (SettingEffects): ratio over the key's first value, interval, `~`.
    private func effectsTable() -> Section? {
        let effects = analysis.settingEffects
        guard !effects.isEmpty else { return nil }
        return Section("What each setting does", captions: [
            "Per key: one value over the key's first, as the geometric mean over the pairs of configurations that differ only in that key, "
                + "with its 95% interval (round by round: a paired t-test over the interleaved rounds); ~ marks a change that is not significant "
                + "(the interval holds 1, or fewer than 4 windows a side).",
        ], blocks: [.table(Table(headers: ["key", "change", "target", "pairs", "req/s", "p99"], rows: effects.map { effect in
            Row([Cell(effect.key), Cell("\(effect.from) → \(effect.to)"), Cell(effect.target), .number("\(effect.pairs)")]
                + [effect.rps, effect.p99].map { .number($0.text, strong: $0.significant) })
        }))])
    }

    private func ratiosTable(_ targets: [String]) -> Section? {
        let pairs = RunAnalysis.pairs(targets)
        guard !pairs.isEmpty else { return nil }
        return Section("Ratios of req/s between paths", blocks: [.table(Table(
            headers: ["settings"] + pairs.map { "\($0) / \($1)" },
            rows: analysis.distinctCells.map { label, cell in Row([Cell(label)] + pairs.map { .number(analysis.rpsRatioText($0, $1, in: cell)) }) }))])
    }

    private func targetSection(_ name: String, index: Int) -> Section {
        let measured = analysis.configurations(of: name).map { ($0.label, $0.target) }
        let best = analysis.bestCell(of: name)
        var blocks: [Block] = [.paragraphs([analysis.sendsLine(of: name)] + [analysis.sharingNote(of: name)].compactMap { $0 }, style: "meta")]
        let rows = measured.compactMap { label, target -> Row? in
            guard let median = target.median else { return nil }
            let clientShare = target.repetitions.map(\.load.clientCPU.shareOfCores).max() ?? 0
            return Row([Cell(label + (label == best ? " (best)" : ""))]
                       + [Units.formatCount(median.rps) + (analysis.isFlagged(target) ? " ⚠" : ""), Units.formatMicroseconds(median.p50),
                          Units.formatMicroseconds(median.p99), Units.formatMicroseconds(median.p999), Units.formatWhole(median.errors),
                          Units.formatWhole(median.non2xx), Units.formatTenths(median.cpuPerRequest), median.memoryText].map { Cell.number($0) }
                       + [.number(Units.percent(clientShare), clientShare > 0.9 ? "bad" : nil)],
                       style: label == best ? "best" : nil)
        }
        blocks.append(.table(Table(headers: ["settings", "req/s", "p50", "p99", "p99.9", "errors", "non-2xx/3xx", "server CPU µs/req", "memory (PSS)", "client CPU"],
                                   rows: rows)))
        if measured.contains(where: { analysis.isFlagged($0.1) }) { blocks.append(.paragraphs([RunAnalysis.flaggedLegend], style: "meta")) }
        let legend = SVGChart.legend(measured.enumerated().map { i, item in (item.0, SVGChart.color(i).color, SVGChart.color(i).dashed) })
        blocks += [.heading("Latency by percentile"), .chart(latencyCurves(measured.map(\.1)) + legend)]
        // A per-second series of a window under 3 s is two or three dots: not a chart.
        if measured.contains(where: { $0.1.repetitions.contains { $0.load.summary.elapsedSeconds >= 3 } }) {
            blocks += [.heading("Requests per second over the measured window"), .chart(rateOverTime(measured.map(\.1)) + legend)]
        }
        return Section(name, anchor: "t\(index)", blocks: blocks)
    }
    /// Latency (log) against percentile on a "nines" axis (0, 90, 99, 99.9 ...), one curve per cell.
    private func latencyCurves(_ targets: [ScenarioResult.Target]) -> String {
        let series = targets.enumerated().map { index, target -> SVGChart.Series in
            let histograms = target.repetitions.map(\.load.histogram)
            let merged = histograms.dropFirst().reduce(histograms.first) { $0?.merged(with: $1) }
            let total = target.repetitions.reduce(0.0) { $0 + Double($1.load.summary.responses) }  // no Int overflow from a file
            let topNines = min(5, (log10(max(total, 1)) * 4).rounded(.down) / 4)
            let nines = stride(from: 0.0, through: topNines, by: 0.25).map { $0 }
            let values = merged?.values(atPercentiles: nines.map { 100 * (1 - pow(10, -$0)) }) ?? []
            let style = SVGChart.color(index)
            return .init(name: target.name, color: style.color, dashed: style.dashed, points: zip(nines, values).map { (x: $0, y: max($1, 1)) })
        }
        let labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]
        let x = SVGChart.Axis(title: "percentile", format: { labels[min(max(Int($0.rounded()), 0), labels.count - 1)] },
                              ticks: Array(stride(from: 0, through: max(1, ceil(series.flatMap(\.points).map(\.x).max() ?? 1)), by: 1)))
        return SVGChart.lines(series: series, xAxis: x, yAxis: .init(title: "latency", scale: .log, format: { Units.formatMicroseconds($0) }))
    }

    private func rateOverTime(_ targets: [ScenarioResult.Target]) -> String {
        let series = targets.enumerated().map { index, target -> SVGChart.Series in
            let sorted = target.repetitions.sorted { $0.load.summary.responsesPerSecond < $1.load.summary.responsesPerSecond }
            let median = sorted.isEmpty ? [] : sorted[sorted.count / 2].load.perSecond
            let style = SVGChart.color(index)
            return .init(name: target.name, color: style.color, dashed: style.dashed,
                         points: median.map { (x: Double($0.second) + 1, y: Double($0.responses)) })
        }
        return SVGChart.lines(series: series, xAxis: .init(title: "second of the measured window", format: { String(Int($0)) }),
                              yAxis: .init(title: "req/s", format: { Units.formatCount($0) }))
    }

}
