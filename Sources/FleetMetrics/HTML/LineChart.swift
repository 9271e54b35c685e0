import Foundation

/// A point of a chart series, in data units.
public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double

    /// Creates a point.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One line of a chart. `nil` points are gaps (an interval without samples).
struct ChartSeries: Sendable, Equatable {
    var name: String
    var points: [ChartPoint?]
    /// Palette slot: colour and dash pattern (see ``ChartPalette``).
    var style: Int
    /// Draw a dot (with its value as a hover title) at each point; for sparse series.
    var markers: Bool = false
}

/// A horizontal line across the plot, e.g. a saturation limit.
struct ReferenceLine: Sendable, Equatable {
    var value: Double
    var label: String
}

/// A line chart drawn as inline SVG (no script, no external reference): axes with labelled ticks,
/// one path per series, optional reference lines; wrapped by ``html()`` in a figure with its
/// title, caption and legend.
struct LineChart: Sendable, Equatable {
    var title: String
    /// One line saying what to read from the chart.
    var caption: String
    var xAxis: ChartAxis
    var xTitle: String
    var yAxis: ChartAxis
    var yTitle: String
    var series: [ChartSeries]
    var references: [ReferenceLine] = []

    /// The SVG's coordinate system (it scales to its container).
    static let width = 600.0
    static let height = 290.0
    static let left = 72.0
    static let right = 16.0
    static let top = 32.0
    static let bottom = 46.0
    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }

    /// Whether any series has a point.
    var hasData: Bool { series.contains { $0.points.contains { $0 != nil } } }

    /// Horizontal SVG coordinate of data `x` (nil when it cannot be drawn).
    func px(_ x: Double) -> Double? {
        xAxis.fraction(x).map { Self.left + Swift.min(1, Swift.max(0, $0)) * Self.plotWidth }
    }

    /// Vertical SVG coordinate of data `y` (nil when it cannot be drawn, e.g. ≤ 0 on a log axis).
    func py(_ y: Double) -> Double? {
        yAxis.fraction(y).map { Self.top + (1 - Swift.min(1, Swift.max(0, $0))) * Self.plotHeight }
    }

    /// A coordinate as written in the SVG (one decimal).
    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// The unbroken runs of a series in SVG coordinates.
    func runs(_ series: ChartSeries) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = []
        var current: [(x: Double, y: Double)] = []
        for point in series.points {
            guard let point, let x = px(point.x), let y = py(point.y) else {
                if !current.isEmpty { runs.append(current) }
                current = []
                continue
            }
            current.append((x, y))
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// The `d` of a series' path: `M x,y x,y …` per unbroken run of two or more points (a lone
    /// point is drawn as a dot, see ``svg()``).
    func pathData(_ series: ChartSeries) -> String {
        runs(series).filter { $0.count > 1 }.map { run in
            "M" + run.map { Self.coordinate($0.x) + "," + Self.coordinate($0.y) }.joined(separator: " ")
        }.joined(separator: " ")
    }

    /// The chart as an `<svg>` element (HTML5 inline SVG: no namespace attribute needed).
    func svg() -> String {
        let w = Self.width, h = Self.height, l = Self.left, t = Self.top
        let r = w - Self.right, b = h - Self.bottom
        let c = Self.coordinate
        var s = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\" class=\"chart-svg\">"
        // Grid and tick labels.
        for tick in yAxis.ticks {
            guard let y = py(tick.value) else { continue }
            s += "<line class=\"grid\" x1=\"\(c(l))\" y1=\"\(c(y))\" x2=\"\(c(r))\" y2=\"\(c(y))\"/>"
            s += "<text class=\"tick\" x=\"\(c(l - 6))\" y=\"\(c(y + 4))\" text-anchor=\"end\">\(HTMLText.escape(tick.label))</text>"
        }
        for tick in xAxis.ticks {
            guard let x = px(tick.value) else { continue }
            s += "<line class=\"grid\" x1=\"\(c(x))\" y1=\"\(c(t))\" x2=\"\(c(x))\" y2=\"\(c(b))\"/>"
            let anchor = tick == xAxis.ticks.first ? "start" : tick == xAxis.ticks.last ? "end" : "middle"
            s += "<text class=\"tick\" x=\"\(c(x))\" y=\"\(c(b + 18))\" text-anchor=\"\(anchor)\">\(HTMLText.escape(tick.label))</text>"
        }
        s += "<line class=\"axis\" x1=\"\(c(l))\" y1=\"\(c(b))\" x2=\"\(c(r))\" y2=\"\(c(b))\"/>"
        s += "<line class=\"axis\" x1=\"\(c(l))\" y1=\"\(c(t))\" x2=\"\(c(l))\" y2=\"\(c(b))\"/>"
        s += "<text class=\"axis-title\" x=\"4\" y=\"14\">\(HTMLText.escape(yTitle))</text>"
        s += "<text class=\"axis-title\" x=\"\(c(l + Self.plotWidth / 2))\" y=\"\(c(h - 6))\" text-anchor=\"middle\">\(HTMLText.escape(xTitle))</text>"
        for line in references {
            guard let y = py(line.value) else { continue }
            s += "<line class=\"reference\" x1=\"\(c(l))\" y1=\"\(c(y))\" x2=\"\(c(r))\" y2=\"\(c(y))\"/>"
            s += "<text class=\"reference-label\" x=\"\(c(r - 4))\" y=\"\(c(y - 4))\" text-anchor=\"end\">\(HTMLText.escape(line.label))</text>"
        }
        if !hasData {
            s += "<text class=\"empty\" x=\"\(c(l + Self.plotWidth / 2))\" y=\"\(c(t + Self.plotHeight / 2))\" text-anchor=\"middle\">no samples</text>"
        }
        for item in series {
            let d = pathData(item)
            let dash = ChartPalette.dash(item.style)
            if !d.isEmpty {
                s += "<path class=\"series\" data-series=\"\(HTMLText.escape(item.name))\" d=\"\(d)\" stroke=\"\(ChartPalette.colour(item.style))\""
                if !dash.isEmpty { s += " stroke-dasharray=\"\(dash)\"" }
                s += "><title>\(HTMLText.escape(item.name))</title></path>"
            }
            if !item.markers {
                // Lone points (an interval with samples between two without) as dots.
                for run in runs(item) where run.count == 1 {
                    s += "<circle class=\"dot\" data-series=\"\(HTMLText.escape(item.name))\" cx=\"\(c(run[0].x))\" cy=\"\(c(run[0].y))\" r=\"2.5\" fill=\"\(ChartPalette.colour(item.style))\"/>"
                }
            }
            if item.markers {
                for point in item.points {
                    guard let point, let x = px(point.x), let y = py(point.y) else { continue }
                    s += "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"3\" fill=\"\(ChartPalette.colour(item.style))\">"
                    s += "<title>\(HTMLText.escape(item.name)): \(HTMLText.escape(yLabel(point.y)))</title></circle>"
                }
            }
        }
        s += "</svg>"
        return s
    }

    /// A value of the y axis as text for hover titles.
    private func yLabel(_ value: Double) -> String {
        yAxis.scale == .log ? ChartAxis.durationLabel(nanoseconds: value) : ChartAxis.number(value)
    }

    /// The chart in a `<figure>`: title, caption, legend, and the SVG.
    func html() -> String {
        var s = "<figure class=\"chart\"><figcaption><h3>\(HTMLText.escape(title))</h3><p>\(HTMLText.escape(caption))</p></figcaption>"
        s += Self.legend(series.map { ($0.name, $0.style) })
        s += "<div class=\"plot\">" + svg() + "</div></figure>\n"
        return s
    }

    /// A legend: a short line sample in each series' colour and dash, then its name.
    static func legend(_ entries: [(name: String, style: Int)]) -> String {
        guard !entries.isEmpty else { return "" }
        var s = "<ul class=\"legend\">"
        for entry in entries {
            let dash = ChartPalette.dash(entry.style)
            s += "<li><svg class=\"swatch\" viewBox=\"0 0 28 10\" aria-hidden=\"true\"><line x1=\"1\" y1=\"5\" x2=\"27\" y2=\"5\" stroke=\"\(ChartPalette.colour(entry.style))\""
            if !dash.isEmpty { s += " stroke-dasharray=\"\(dash)\"" }
            s += "/></svg>\(HTMLText.escape(entry.name))</li>"
        }
        return s + "</ul>"
    }
}
