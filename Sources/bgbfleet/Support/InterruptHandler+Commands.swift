import FleetSupport

extension InterruptHandler {
    /// `run` (one process, a coordinator, or a shard): the first signal stops the sessions and the
    /// reports are written; a second exits at once without them, except in a shard, which ignores
    /// it (a terminal's Ctrl-C reaches a shard directly and through its parent).
    static func run(shard: Bool, _ stop: @escaping @Sendable () -> Void) -> InterruptHandler {
        InterruptHandler(
            stopping: "bgbfleet: stopping: closing sessions and writing reports (again to exit at once)",
            again: shard ? .ignore : .exit(message: "bgbfleet: interrupted again: exiting without reports")
        ) { _ in stop() }
    }
}
