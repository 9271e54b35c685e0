extension FleetProfile {
    /// The smoke profile, built in so `bgbfleet run` works from any directory. `profiles/smoke.yaml`
    /// holds the same text (a test keeps them equal).
    public static let smokeYAML = """
        # smoke — the default profile of `bgbfleet run`.
        #
        # 500 sessions sign in over mutual TLS in about two seconds, send keep-alives every 15 s (spread
        # in phase), and answer three "Download Computer Policy" pushes (Type 8 → TaskType 1) fired at
        # 10 s, 25 s and 40 s. Done in about a minute. Use it to check that a target works at all.
        sessions: 500
        rate: 250
        duration: 60s
        keepalive: 15s
        responder:
          handling-time: 0ms
          return-code: 1
        triggers:
          - at: 10s
            every: 15s
            count: 3
            type: 8
        thresholds:
          - delivery>=99.9%
          - response.p99<250ms
          - errors.tls==0

        """

    /// The built-in smoke profile.
    public static func smoke() -> FleetProfile {
        try! FleetProfile(yaml: smokeYAML, name: "smoke")
    }
}
