/// The version of bgbfleet, as `bgbfleet --version` prints it and reports record it
/// (`tool_version` in `summary.json`, the plan table of `report.html`).
public enum BGBFleetVersion {
    /// The current version.
    public static let current = "0.1.0"
}
