import BenchSupport
import Foundation
import Results

/// Inline SVG charts for report.html: grouped bars, stacked horizontal bars and lines, on linear or log axes, with ticks, gridlines, axis
/// titles and a hover title on every mark. Pure functions from numbers to markup: no script, no font or file
/// fetched, so the report renders the same offline, in a browser or headless. Legends are HTML (`legend(_:)`),
/// which wraps where an SVG legend would not.
public enum SVGChart {
    public enum Scale: Sendable { case linear, log }

    @PublicInit
    public struct Axis {
        public var title: String
        public var scale: Scale = .linear
        public var format: (Double) -> String
        /// Fixed ticks (in data units); computed from the data when nil.
        public var ticks: [Double]? = nil
    }

    @PublicInit
    public struct Series {
        public var name: String
        public var color: String
        public var dashed = false
        public var points: [(x: Double, y: Double)]
    }

    /// Distinct colours (Tableau 10); past ten, series repeat a colour with a dashed line.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    public static func color(_ index: Int) -> (color: String, dashed: Bool) {
        (palette[index % palette.count], index >= palette.count)
    }

    static let width = 860.0
    static let plotLeft = 78.0, plotRight = 34.0, plotTop = 14.0

    // MARK: charts

    /// One group of bars per category (a matrix cell), one bar per series (a target) in each group; the bars of a
    /// group share its width among the series that have a value there (a category with one value gets one wide
    /// bar). `ranges`, aligned with `series`: a whisker per bar from low to high (the repetitions' range).
    public static func bars(categories: [String], series: [(name: String, values: [Double?])], yAxis: Axis,
                            ranges: [[ClosedRange<Double>?]] = []) -> String {
        let bottom = 24 + 3.4 * Double(min(40, categories.map(\.count).max() ?? 0))  // room for the slanted labels
        let height = 300 + bottom
        let values = series.flatMap { $0.values.compactMap { $0 } } + ranges.flatMap { $0.flatMap { $0.map { [$0.lowerBound, $0.upperBound] } ?? [] } }
        let y = AxisMap(axis: yAxis, values: values + [0], from: height - bottom, to: plotTop)
        // The labels slant down to the right: the last one needs room past its group.
        let longest = Double(min(40, categories.last?.count ?? 0)) * 7 * cos(35 * Double.pi / 180)
        var slot = (width - plotLeft - plotRight) / Double(max(categories.count, 1))
        let right = max(plotRight, longest - slot * 0.5)
        slot = (width - plotLeft - right) / Double(max(categories.count, 1))
        var svg = open(height: height) + y.horizontalGrid(left: plotLeft, right: width - right)
        for (c, category) in categories.enumerated() {
            let groupLeft = plotLeft + Double(c) * slot + slot * 0.1
            let present = series.indices.filter { c < series[$0].values.count && series[$0].values[c] != nil }
            let barWidth = slot * 0.8 / Double(max(present.count, 1))
            for (position, s) in present.enumerated() {
                let item = series[s]
                guard let value = item.values[c] else { continue }
                let top = y.position(value), base = y.position(y.lower)
                let left = groupLeft + Double(position) * barWidth
                let range = s < ranges.count && c < ranges[s].count ? ranges[s][c] : nil
                svg += "<rect x=\"\(f(left))\" y=\"\(f(min(top, base)))\" width=\"\(f(max(barWidth - 1, 1)))\" "
                    + "height=\"\(f(abs(base - top)))\" fill=\"\(color(s).color)\"><title>\(XMLWriter.escape(category)) · \(XMLWriter.escape(item.name)): "
                    + "\(XMLWriter.escape(yAxis.format(value)))"
                    + (range.map { " (\(XMLWriter.escape(yAxis.format($0.lowerBound))) to \(XMLWriter.escape(yAxis.format($0.upperBound))))" } ?? "")
                    + "</title></rect>"
                if let range, range.upperBound > range.lowerBound {
                    let middle = left + (barWidth - 1) / 2, low = y.position(range.lowerBound), high = y.position(range.upperBound)
                    let cap = min(6, barWidth / 4)
                    svg += "<path d=\"M\(f(middle)) \(f(low))V\(f(high))M\(f(middle - cap)) \(f(low))h\(f(2 * cap))M\(f(middle - cap)) \(f(high))h\(f(2 * cap))\" "
                        + "stroke=\"#222\" stroke-width=\"1.2\" fill=\"none\"/>"
                }
            }
            let labelX = groupLeft + slot * 0.4, labelY = height - bottom + 12
            svg += "<text x=\"\(f(labelX))\" y=\"\(f(labelY))\" transform=\"rotate(35 \(f(labelX)) \(f(labelY)))\" class=\"tick\">\(XMLWriter.escape(category))</text>"
        }
        return svg + y.verticalLabels(at: plotLeft) + close(height: height, plotBottom: height - bottom, yTitle: yAxis.title, xTitle: nil)
    }

    /// One horizontal bar per row, split into segments laid end to end (a request's time by tier), coloured by the
    /// segment's position in `segmentNames`; a row's label on its left, the hover title of each segment its name and
    /// value. Rows with nothing to draw keep their line, so that rows stay aligned with their labels.
    public static func stackedBars(rows: [(label: String, segments: [Double])], segmentNames: [String], xAxis: Axis) -> String {
        let rowHeight = 22.0, bottom = 44.0
        let labelWidth = min(330, 12 + 6.6 * Double(min(48, rows.map(\.label.count).max() ?? 0)))
        let height = plotTop + rowHeight * Double(max(rows.count, 1)) + bottom
        let totals = rows.map { $0.segments.reduce(0) { $0 + max($1, 0) } }
        let x = AxisMap(axis: xAxis, values: totals + [0], from: labelWidth, to: width - plotRight)
        var svg = open(height: height) + x.verticalGrid(top: plotTop, bottom: height - bottom)
        for (index, row) in rows.enumerated() {
            let top = plotTop + rowHeight * Double(index)
            let label = row.label.count > 48 ? String(row.label.prefix(47)) + "…" : row.label
            svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(top + rowHeight * 0.65))\" text-anchor=\"end\" class=\"tick\">\(XMLWriter.escape(label))"
                + "<title>\(XMLWriter.escape(row.label))</title></text>"
            var start = 0.0
            for (segment, value) in row.segments.enumerated() where value > 0 {
                let left = x.position(start), right = x.position(start + value)
                start += value
                let name = segment < segmentNames.count ? segmentNames[segment] : ""
                svg += "<rect x=\"\(f(left))\" y=\"\(f(top + 3))\" width=\"\(f(max(right - left, 0.5)))\" height=\"\(f(rowHeight - 6))\" "
                    + "fill=\"\(color(segment).color)\"><title>\(XMLWriter.escape(row.label)) · \(XMLWriter.escape(name)): "
                    + "\(XMLWriter.escape(xAxis.format(value)))</title></rect>"
            }
        }
        svg += "<line x1=\"\(f(labelWidth))\" x2=\"\(f(labelWidth))\" y1=\"\(f(plotTop))\" y2=\"\(f(height - bottom))\" class=\"axis\"/>"
        svg += xTitle(xAxis.title, from: labelWidth, height: height)
        return svg + "</svg>" + legend(segmentNames.enumerated().map { ($1, color($0).color, false) })
    }

    /// `markers`: vertical lines at x with a label (events in a window, a capacity, a target).
    public static func lines(series: [Series], xAxis: Axis, yAxis: Axis, height: Double = 320,
                             markers: [(x: Double, label: String)] = [], horizontal: [(y: Double, label: String)] = []) -> String {
        let bottom = 44.0
        let points = series.flatMap(\.points)
        let x = AxisMap(axis: xAxis, values: points.map(\.x) + markers.map(\.x), from: plotLeft, to: width - plotRight)
        let y = AxisMap(axis: yAxis, values: points.map(\.y) + horizontal.map(\.y) + (yAxis.scale == .linear ? [0] : []),
                        from: height - bottom, to: plotTop)
        var svg = open(height: height) + y.horizontalGrid(left: plotLeft, right: width - plotRight)
            + x.verticalGrid(top: plotTop, bottom: height - bottom)
        for (index, marker) in markers.enumerated() {
            let px = x.position(marker.x)
            svg += "<line x1=\"\(f(px))\" x2=\"\(f(px))\" y1=\"\(f(plotTop))\" y2=\"\(f(height - bottom))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
                + "<text x=\"\(f(px + 4))\" y=\"\(f(plotTop + 12 + Double(index % 3) * 13))\" class=\"tick\">\(XMLWriter.escape(marker.label))</text>"
        }
        for line in horizontal {
            let py = y.position(line.y)
            svg += "<line x1=\"\(f(plotLeft))\" x2=\"\(f(width - plotRight))\" y1=\"\(f(py))\" y2=\"\(f(py))\" stroke=\"#b00020\" stroke-dasharray=\"4 3\"/>"
                + "<text x=\"\(f(width - plotRight - 4))\" y=\"\(f(py - 4))\" text-anchor=\"end\" class=\"tick\">\(XMLWriter.escape(line.label))</text>"
        }
        for item in series where !item.points.isEmpty {
            let path = item.points.map { "\(f(x.position($0.x))),\(f(y.position($0.y)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"2\""
                + (item.dashed ? " stroke-dasharray=\"6 3\"" : "") + "><title>\(XMLWriter.escape(item.name))</title></polyline>"
            if item.points.count <= 40 {
                for point in item.points {
                    svg += "<circle cx=\"\(f(x.position(point.x)))\" cy=\"\(f(y.position(point.y)))\" r=\"2.5\" fill=\"\(item.color)\">"
                        + "<title>\(XMLWriter.escape(item.name)): \(XMLWriter.escape(xAxis.format(point.x))), \(XMLWriter.escape(yAxis.format(point.y)))</title></circle>"
                }
            }
        }
        return svg + y.verticalLabels(at: plotLeft) + close(height: height, plotBottom: height - bottom, yTitle: yAxis.title, xTitle: xAxis.title)
    }

    /// The legend under a chart: a swatch and a name per series.
    public static func legend(_ entries: [(name: String, color: String, dashed: Bool)]) -> String {
        "<div class=\"legend\">" + entries.map { entry in
            "<span><i style=\"border-top:3px \(entry.dashed ? "dashed" : "solid") \(entry.color)\"></i>\(XMLWriter.escape(entry.name))</span>"
        }.joined() + "</div>"
    }

    // MARK: pieces

    private static func open(height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\">"
    }

    private static func close(height: Double, plotBottom: Double, yTitle: String, xTitle: String?) -> String {
        var svg = "<line x1=\"\(f(plotLeft))\" x2=\"\(f(plotLeft))\" y1=\"\(f(plotTop))\" y2=\"\(f(plotBottom))\" class=\"axis\"/>"
        svg += "<text transform=\"translate(14 \(f((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"title\">\(XMLWriter.escape(yTitle))</text>"
        if let xTitle { svg += self.xTitle(xTitle, from: plotLeft, height: height) }
        return svg + "</svg>"
    }

    /// The x axis's title, centred under the plot that starts at `left`.
    private static func xTitle(_ title: String, from left: Double, height: Double) -> String {
        "<text x=\"\(f((left + width - plotRight) / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" class=\"title\">\(XMLWriter.escape(title))</text>"
    }

    /// Data units to pixels along one axis, with the ticks that fit the data.
    private struct AxisMap {
        let axis: Axis
        let lower: Double, upper: Double
        let ticks: [Double]
        let from: Double, to: Double

        init(axis: Axis, values: [Double], from: Double, to: Double) {
            self.axis = axis
            self.from = from
            self.to = to
            let finite = values.filter { $0.isFinite && (axis.scale == .linear || $0 > 0) }
            var low = finite.min() ?? (axis.scale == .log ? 1 : 0), high = finite.max() ?? 1
            if let fixed = axis.ticks, !fixed.isEmpty {
                ticks = fixed
                low = min(low, fixed.min()!)
                high = max(high, fixed.max()!)
            } else if axis.scale == .log {
                let first = floor(log10(low)), last = max(ceil(log10(high)), first + 1)
                let decades = stride(from: first, through: last, by: 1).map { pow(10, $0) }
                let steps: [Double] = last - first <= 2 ? [1, 2, 5] : [1]
                ticks = decades.flatMap { d in steps.map { $0 * d } }.filter { $0 >= pow(10, first) && $0 <= pow(10, last) }
                low = pow(10, first)
                high = pow(10, last)
            } else {
                let step = Self.niceStep((high - low) / 5)
                low = floor(low / step) * step
                high = max(ceil(high / step) * step, low + step)
                ticks = stride(from: low, through: high + step / 2, by: step).map { $0 }
            }
            lower = low
            upper = high
        }

        static func niceStep(_ raw: Double) -> Double {
            guard raw > 0, raw.isFinite else { return 1 }
            let magnitude = pow(10, floor(log10(raw)))
            let residual = raw / magnitude
            return magnitude * (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10)
        }

        func position(_ value: Double) -> Double {
            let share: Double
            switch axis.scale {
            case .linear: share = upper > lower ? (value - lower) / (upper - lower) : 0
            case .log: share = upper > lower ? (log10(max(value, lower)) - log10(lower)) / (log10(upper) - log10(lower)) : 0
            }
            return from + (to - from) * min(max(share, 0), 1)
        }

        func horizontalGrid(left: Double, right: Double) -> String {
            ticks.map { "<line x1=\"\(f(left))\" x2=\"\(f(right))\" y1=\"\(f(position($0)))\" y2=\"\(f(position($0)))\" class=\"grid\"/>" }.joined()
        }

        /// For an x axis: a vertical gridline per tick from `top` to `bottom`, its label under `bottom`.
        func verticalGrid(top: Double, bottom: Double) -> String {
            ticks.map { tick in
                let px = position(tick)
                return "<line x1=\"\(f(px))\" x2=\"\(f(px))\" y1=\"\(f(top))\" y2=\"\(f(bottom))\" class=\"grid\"/>"
                    + "<text x=\"\(f(px))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\" class=\"tick\">\(XMLWriter.escape(axis.format(tick)))</text>"
            }.joined()
        }

        func verticalLabels(at left: Double) -> String {
            ticks.map {
                "<text x=\"\(f(left - 6))\" y=\"\(f(position($0) + 4))\" text-anchor=\"end\" class=\"tick\">\(XMLWriter.escape(axis.format($0)))</text>"
            }.joined()
        }
    }

    static func f(_ value: Double) -> String { Units.formatTenths(value) }
}
