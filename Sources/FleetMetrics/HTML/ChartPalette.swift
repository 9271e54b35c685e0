/// The report's colours: the Okabe–Ito palette, which stays distinguishable with the common
/// colour-vision deficiencies, plus a dash pattern per series so lines also differ in grey print.
enum ChartPalette {
    /// Okabe–Ito colours in the order series use them (yellow, hard to read on white, last).
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
    /// Dash patterns (`stroke-dasharray`) in the order series use them; empty = solid.
    static let dashes = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 2 1 2", "3 5"]

    /// Colour of series `index`.
    static func colour(_ index: Int) -> String { colours[index % colours.count] }
    /// Dash pattern of series `index`.
    static func dash(_ index: Int) -> String { dashes[index % dashes.count] }

    /// Text colour for PASS (bluish green) and FAIL (vermillion).
    static let pass = "#007A5A"
    static let fail = "#C04A00"
}
