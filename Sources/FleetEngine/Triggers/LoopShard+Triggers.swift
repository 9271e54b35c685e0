extension LoopShard {
    /// This loop's sessions that are signed in and among those `selection` reaches: what a
    /// trigger fired now targets here.
    func signedInCount(reaching selection: FleetSelection) -> Int {
        var count = 0
        for session in sessions where session.state == .signedIn && selection.contains(session.entry.index) { count += 1 }
        return count
    }
}
