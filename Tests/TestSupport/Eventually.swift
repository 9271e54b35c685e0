/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
///
/// For loopback tests waiting on another event loop or process: `#expect(await eventually { … })`.
/// Every wait is bounded, so a test whose condition never holds fails instead of hanging.
public func eventually(
    timeout: Duration = .seconds(10),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
