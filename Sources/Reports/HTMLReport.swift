import BenchSupport
import Foundation
import Results

/// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that shows what
/// report.md tabulates: throughput by setting per path, ratios between paths, per target the latency percentile
/// curves (log scale) and req/s over the measured window, then server CPU per request and memory by setting.
/// Latency curves come from the HDR histograms merged over a cell's repetitions; the per-second series from
/// the repetition whose req/s is the median.
struct HTMLReport {
    let result: ScenarioResult

    var text: String {
        let targets = result.targetNames
        var body = "<h1>\(esc(result.scenario.name))</h1><p class=\"meta\">\(esc(result.runDescription))<br>\(esc(result.loadDescription))"
            + (result.preparationDescription.isEmpty ? "" : "<br>\(esc(result.preparationDescription))") + "</p>"
        if result.interrupted { body += "<p class=\"bad\">Interrupted: only the cells below finished.</p>" }
        if let answers = result.answers {
            body += "<h2>Answers</h2><ul>" + answers.findings.map { "<li>\(esc($0))</li>" }.joined() + "</ul>"
            if !answers.caveats.isEmpty {
                body += "<p class=\"meta\">Read with care:</p><ul>" + answers.caveats.map { "<li>\(esc($0))</li>" }.joined() + "</ul>"
            }
        }
        body += thresholdsAndFailures()
        if targets.isEmpty { return page(body + "<p>No cell finished, so there is nothing to chart.</p>") }
        let throughput = throughputChart(targets)
        body += section("Throughput by setting", "Median req/s per path and configuration (a path that does not read the swept "
                        + "keys is one bar), the whiskers the range over the repetitions"
                        + (throughput.log ? "; log axis: the paths differ by more than 20 times." : "."), throughput.svg)
        body += effectsTable()
        body += sideBySide()
        body += ratiosTable(targets)
        for (index, target) in targets.enumerated() {
            body += targetSection(target, index: index)
        }
        body += capacityCurves(targets)
        body += validityAndEvents()
        // Only where stack processes served something (an external target has none of its own).
        if result.okCells.contains(where: { $0.targets.contains { ($0.median?.cpuPerRequest ?? 0) > 0 } }) {
            body += section("Server CPU per request", "CPU time of the processes serving each path (front and pool for proxied-dynamic) "
                            + "over the measured window, divided by the requests.",
                            groupedBars(targets, format: { String(format: "%.0f µs", $0) }, title: "server CPU µs / request", windows: .cpuPerRequest) { $0.cpuPerRequest })
            if result.okCells.allSatisfy({ $0.targets.allSatisfy { $0.median?.pss != nil } }) {
                body += section("Server memory", "PSS of the processes serving each path at the end of the window: pages shared by "
                                + "several processes (the binary, libraries, a pool's forked workers) are divided among them, so the "
                                + "figure adds up as RSS does not.",
                                groupedBars(targets, format: { String(format: "%.0f MiB", $0) }, title: "PSS, MiB") { ($0.pss ?? 0) / 1024 })
            } else {
                body += section("Server memory", "Peak RSS of the processes serving each path, summed over their process trees "
                                + "(this result predates PSS: shared pages are counted once per process).",
                                groupedBars(targets, format: { String(format: "%.0f MiB", $0) }, title: "peak RSS, MiB") { $0.rss / 1024 })
            }
        }
        return page(body)
    }

    // MARK: sections

    private func thresholdsAndFailures() -> String {
        var html = ""
        let failed = result.cells.filter { $0.status != .ok }
        if !failed.isEmpty {
            html += "<h2>Failed or skipped cells</h2><ul>" + failed.map { "<li class=\"bad\">\(esc($0.label)) (\(esc($0.status.rawValue))): \(esc($0.failure ?? ""))</li>" }.joined() + "</ul>"
        }
        if !result.thresholds.isEmpty {
            let failedOnes = result.thresholds.filter { !$0.passed }
            html += "<h2>Thresholds: \(result.thresholds.count - failedOnes.count) of \(result.thresholds.count) passed</h2>"
            if !failedOnes.isEmpty { html += thresholdTable(failedOnes) }
            html += "<details><summary>every threshold in every cell</summary>" + thresholdTable(result.thresholds) + "</details>"
        }
        return html
    }

    private func thresholdTable(_ outcomes: [ScenarioResult.ThresholdOutcome]) -> String {
        "<table><tr><th>threshold</th><th>cell</th><th>target</th><th>value</th><th></th></tr>"
                + outcomes.map {
                    "<tr><td><code>\(esc($0.threshold))</code></td><td>\(esc($0.cell))</td><td>\(esc($0.target))</td><td class=\"num\">\(esc($0.valueText))</td>"
                        + ($0.passed ? "<td class=\"good\">pass</td>" : "<td class=\"bad\">FAIL</td>") + "</tr>"
                }.joined() + "</table>"
    }

    /// On a log axis when the paths differ by more than 20 times, so that 300 req/s stays visible beside 57k.
    private func throughputChart(_ targets: [String]) -> (svg: String, log: Bool) {
        let rates = result.okCells.flatMap { $0.targets.compactMap { $0.median?.rps } }.filter { $0 > 0 }
        let log = (rates.max() ?? 0) > 20 * (rates.min() ?? .infinity)
        return (groupedBars(targets, format: { Units.formatCount($0) }, title: "req/s", scale: log ? .log : .linear, windows: .rps) { $0.rps }, log)
    }

    /// One bar per target and configuration (a target its cells share is one bar, named by the target; a target
    /// with several configurations has one bar per configuration, named by its settings), coloured by target, with
    /// a whisker over the range of the repetitions of `windows` when there are several.
    private func groupedBars(_ targets: [String], format: @escaping (Double) -> String, title: String,
                             scale: SVGChart.Scale = .linear, windows: Metric? = nil, _ metric: (ScenarioResult.Summary) -> Double) -> String {
        let columns = targets.enumerated().flatMap { index, name in
            let configurations = result.configurations(of: name)
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
    private func sideBySide() -> String {
        let sides = result.sideBySide()
        guard !sides.isEmpty, let baseline = result.baselineStack else { return "" }
        let stacks = result.stackNames
        let others = stacks.filter { $0 != baseline }
        let rows = sides.flatMap { side in side.groups.map { (target: side.target, group: $0) } }
        let multipleSettings = Set(rows.map(\.group.settings)).count > 1
        let categories = rows.map { multipleSettings ? "\($0.target) · \($0.group.settings)" : $0.target }
        let series = stacks.map { stack in (name: stack, values: rows.map { $0.group.byStack[stack]?.rps }) }
        var html = section("Stacks side by side", "Median req/s per path, one bar per stack; the ratios are each stack's req/s over \(baseline)'s.",
                           SVGChart.bars(categories: categories, series: series, yAxis: .init(title: "req/s", format: { Units.formatCount($0) }))
                           + SVGChart.legend(stacks.enumerated().map { ($1, SVGChart.color($0).color, false) }))
        html += "<table><tr><th>path</th>" + stacks.map { "<th>\(esc($0)) req/s · p99</th>" }.joined()
            + others.map { "<th>\(esc($0)) / \(esc(baseline))</th>" }.joined() + "</tr>"
        for (category, row) in zip(categories, rows) {
            html += "<tr><td>\(esc(category))</td>" + stacks.map { stack in
                "<td class=\"num\">\(row.group.byStack[stack].map { esc(Units.formatCount($0.rps) + " · " + Units.formatMicroseconds($0.p99)) } ?? "-")</td>"
            }.joined() + others.map { stack in
                "<td class=\"num\">\(esc(row.group.ratioText(stack, over: baseline)))</td>"
            }.joined() + "</tr>"
        }
        html += "</table>"
        let memory = result.stackMemory
        if !memory.isEmpty {
            html += "<p class=\"meta\">Memory of each stack's front and pool together, as PSS (shared pages divided among the processes "
                + "sharing them, so the processes add up): " + esc(memory.map { "\($0.stack) \(Units.formatBytes($0.pssKiB * 1024))" }.joined(separator: ", ")) + ".</p>"
        }
        return html
    }

    /// Per target searched: latency against offered load, one curve per cell, the limit and each capacity marked.
    private func capacityCurves(_ targets: [String]) -> String {
        var html = ""
        for target in targets {
            let searched = result.okCells.compactMap { cell in cell.targets.first { $0.name == target }?.searches.map { (cell.label, $0) } }
            guard !searched.isEmpty else { continue }
            let series = searched.enumerated().flatMap { index, item in
                item.1.map { search in
                    SVGChart.Series(name: item.0, color: SVGChart.color(index).color, dashed: SVGChart.color(index).dashed,
                                    points: search.steps.sorted { $0.offered < $1.offered }.map { (x: $0.offered, y: max($0.p99, 1)) })
                }
            }
            let limit = result.cells.lazy.compactMap { $0.targets.first { $0.name == target }?.searches?.first }.first
            let markers = searched.flatMap { item in item.1.compactMap { search in search.capacity.map { (x: $0, label: "\(item.0): \(Units.formatCount($0))") } } }
            let limitLine = limit?.latencyLimits["99"].map { [(y: $0, label: "p99 limit")] } ?? []
            html += "<h3>\(esc(target)): p99 against offered load</h3>"
                + SVGChart.lines(series: series, xAxis: .init(title: "offered req/s (open model)", format: { Units.formatCount($0) }),
                                 yAxis: .init(title: "p99 (corrected)", scale: .log, format: { Units.formatMicroseconds($0) }),
                                 markers: markers, horizontal: limitLine)
                + SVGChart.legend(searched.enumerated().map { ($1.0, SVGChart.color($0).color, SVGChart.color($0).dashed) })
                + "<table><tr><th>cell</th><th>capacity</th><th>criteria</th><th>ended</th></tr>"
                + searched.flatMap { item in item.1.map { search in
                    "<tr><td>\(esc(item.0))</td><td class=\"num\">\(search.capacity.map { esc(Units.formatCount($0)) + " req/s" } ?? "none")</td>"
                        + "<td>\(esc(search.criteria))</td><td>\(esc(search.ended))</td></tr>"
                } }.joined() + "</table>"
        }
        return html.isEmpty ? "" : section("Capacity", "The highest arrival rate whose window met the limits: p99 at every step of each search "
                                           + "(the knee is where the curve turns up), the limit dashed red, each capacity marked.", html)
    }

    /// Windows not to trust, and per window with events its per-second req/s, failures and p99 with the events marked.
    private func validityAndEvents() -> String {
        var html = ""
        let validity = result.validityRows
        if !validity.isEmpty {
            html += "<h2>Windows not to trust</h2><p class=\"meta\">Client-bound, under-delivered, disturbed or latency-bound windows, and noisy targets; "
                + "<code>stackbench compare</code> leaves flagged windows out.</p>"
                + "<table><tr><th>cell</th><th>target</th><th>window</th><th>flag</th><th>why</th></tr>"
                + validity.map { row in
                    "<tr><td>\(esc(row.cell))</td><td>\(esc(row.target))</td><td class=\"num\">\(row.window.map(String.init) ?? "all")</td>"
                        + "<td class=\"bad\">\(esc(row.kind))</td><td>\(esc(row.detail))</td></tr>"
                }.joined() + "</table>"
        }
        let rows = result.eventRows
        guard !rows.isEmpty else { return html }
        html += "<h2>Events under load</h2><p class=\"meta\">Per second of each window with events: requests, failed requests (errors and "
            + "non-2xx/3xx) and p99; dashed lines mark the events. Failed requests are charged to an event from its second to the next event.</p>"
        html += "<table><tr><th>cell</th><th>target</th><th>window</th><th>event</th><th>at</th><th>failed</th><th>what happened</th></tr>"
            + rows.map { row in
                "<tr><td>\(esc(row.cell))</td><td>\(esc(row.target))</td><td class=\"num\">\(row.window)</td><td>\(esc(row.event.action))</td>"
                    + "<td class=\"num\">\(String(format: "%.2f s", row.event.startedAt))</td>"
                    + "<td class=\"num\(row.event.failedRequests > 0 ? " bad" : "")\">\(row.event.failedRequests)</td><td>\(esc(row.event.detail))</td></tr>"
            }.joined() + "</table>"
        for cell in result.okCells {
            for target in cell.targets {
                for (index, repetition) in target.repetitions.enumerated() {
                    guard let events = repetition.events, !events.isEmpty else { continue }
                    let seconds = repetition.load.perSecond
                    let markers = events.map { (x: $0.startedAt, label: $0.action) }
                    html += "<h3>\(esc(cell.label)) · \(esc(target.name)), window \(index + 1)</h3>"
                    let counts = [
                        SVGChart.Series(name: "requests/s", color: SVGChart.color(0).color, points: seconds.map { (x: Double($0.second) + 0.5, y: Double($0.responses)) }),
                        SVGChart.Series(name: "failed/s", color: SVGChart.color(2).color,
                                        points: seconds.map { (x: Double($0.second) + 0.5, y: Double($0.errors + $0.non2xx3xx)) }),
                    ]
                    html += SVGChart.lines(series: counts, xAxis: .init(title: "seconds into the window", format: { Units.formatWhole($0) }),
                                           yAxis: .init(title: "per second", format: { Units.formatCount($0) }), height: 240, markers: markers)
                        + SVGChart.legend(counts.map { ($0.name, $0.color, false) })
                    let p99 = SVGChart.Series(name: "p99", color: SVGChart.color(1).color,
                                              points: seconds.filter { $0.responses > 0 }.map { (x: Double($0.second) + 0.5, y: max($0.p99, 1)) })
                    html += SVGChart.lines(series: [p99], xAxis: .init(title: "seconds into the window", format: { Units.formatWhole($0) }),
                                           yAxis: .init(title: "p99", scale: .log, format: { Units.formatMicroseconds($0) }), height: 200, markers: markers)
                }
            }
        }
        return html
    }

    /// What each key does per target (SettingEffects): ratio over the key's first value, interval, `~`.
    private func effectsTable() -> String {
        let effects = result.settingEffects
        guard !effects.isEmpty else { return "" }
        return "<h2>What each setting does</h2><p class=\"meta\">Per key: one value over the key's first, as the geometric mean over the pairs "
            + "of configurations that differ only in that key, with its 95% interval (round by round: a paired t-test over the interleaved "
            + "rounds); ~ marks a change that is not significant "
            + "(the interval holds 1, or fewer than 4 windows a side).</p>"
            + "<table><tr><th>key</th><th>change</th><th>target</th><th>pairs</th><th>req/s</th><th>p99</th></tr>"
            + effects.map { effect in
                "<tr><td>\(esc(effect.key))</td><td>\(esc(effect.from)) → \(esc(effect.to))</td><td>\(esc(effect.target))</td>"
                    + "<td class=\"num\">\(effect.pairs)</td>"
                    + [effect.rps, effect.p99].map { $0.significant ? "<td class=\"num\"><strong>\(esc($0.text))</strong></td>" : "<td class=\"num\">\(esc($0.text))</td>" }.joined() + "</tr>"
            }.joined() + "</table>"
    }

    private func ratiosTable(_ targets: [String]) -> String {
        let pairs = ScenarioResult.pairs(targets)
        guard !pairs.isEmpty else { return "" }
        return "<h2>Ratios of req/s between paths</h2><table><tr><th>settings</th>" + pairs.map { "<th>\(esc($0)) / \(esc($1))</th>" }.joined() + "</tr>"
            + result.distinctCells.map { label, cell in
                "<tr><td>\(esc(label))</td>" + pairs.map { "<td class=\"num\">\(esc(cell.rpsRatioText($0, $1)))</td>" }.joined() + "</tr>"
            }.joined() + "</table>"
    }

    private func targetSection(_ name: String, index: Int) -> String {
        let measured = result.configurations(of: name).map { ($0.label, $0.target) }
        let best = result.bestCell(of: name)
        var html = "<h2 id=\"t\(index)\">\(esc(name))</h2>"
        html += "<p class=\"meta\">\(esc(result.sendsLine(of: name)))</p>"
        if let note = result.sharingNote(of: name) { html += "<p class=\"meta\">\(esc(note))</p>" }
        html += "<table><tr><th>settings</th><th>req/s</th><th>p50</th><th>p99</th><th>p99.9</th><th>errors</th><th>non-2xx/3xx</th>"
            + "<th>server CPU µs/req</th><th>memory (PSS)</th><th>client CPU</th></tr>"
        for (label, target) in measured {
            guard let median = target.median else { continue }
            let clientShare = target.repetitions.map(\.load.clientCPU.shareOfCores).max() ?? 0
            html += "<tr\(label == best ? " class=\"best\"" : "")><td>\(esc(label))\(label == best ? " (best)" : "")</td>"
                + [Units.formatCount(median.rps) + (result.isFlagged(target) ? " ⚠" : ""), Units.formatMicroseconds(median.p50), Units.formatMicroseconds(median.p99),
                   Units.formatMicroseconds(median.p999), Units.formatWhole(median.errors), Units.formatWhole(median.non2xx),
                   String(format: "%.1f", median.cpuPerRequest), median.memoryText].map { "<td class=\"num\">\(esc($0))</td>" }.joined()
                + "<td class=\"num\(clientShare > 0.9 ? " bad" : "")\">\(String(format: "%.0f%%", clientShare * 100))</td></tr>"
        }
        html += "</table>"
        if measured.contains(where: { result.isFlagged($0.1) }) { html += "<p class=\"meta\">\(esc(ScenarioResult.flaggedLegend))</p>" }
        let legend = SVGChart.legend(measured.enumerated().map { i, item in (item.0, SVGChart.color(i).color, SVGChart.color(i).dashed) })
        html += "<h3>Latency by percentile</h3>" + latencyCurves(measured.map(\.1)) + legend
        // A per-second series of a window under 3 s is two or three dots: not a chart.
        if measured.contains(where: { $0.1.repetitions.contains { $0.load.summary.elapsedSeconds >= 3 } }) {
            html += "<h3>Requests per second over the measured window</h3>" + rateOverTime(measured.map(\.1)) + legend
        }
        return html
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

    // MARK: page

    private func section(_ title: String, _ caption: String, _ content: String) -> String {
        "<h2>\(esc(title))</h2><p class=\"meta\">\(esc(caption))</p>" + content
    }

    private func page(_ body: String) -> String {
        HTMLPage.render(title: result.scenario.name + " — stackbench", body: body)
    }

    private func esc(_ text: String) -> String { HTMLPage.escape(text) }
}
