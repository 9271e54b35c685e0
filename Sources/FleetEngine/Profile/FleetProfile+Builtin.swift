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

    /// The `real-mp` profile, the default of `bgbfleet run --mp HOST`. `profiles/real-mp.yaml` holds
    /// the same text (a test keeps them equal).
    public static let realMPYAML = """
        # real-mp — the default profile of `bgbfleet run --mp HOST`: safe against a production site.
        #
        # 500 sessions sign in over mutual TLS at 25 per second and hold their sessions for 5 minutes with
        # ConfigMgr's 15-minute keep-alive, answering whatever the MP pushes them (ReturnCode 1). No
        # triggers: nothing is sent to any client of the site. The thresholds are on what a healthy MP
        # always gives, so a run against one exits 0: sign-ins that succeed, no TLS, protocol or time-out
        # error, no session given up.
        sessions: 500
        rate: 25
        duration: 5m
        keepalive: 15m
        responder:
          handling-time: 0ms
          return-code: 1
        thresholds:
          - errors.tls==0
          - errors.signin_timeout==0
          - errors.protocol==0
          - errors.connect_refused==0
          - errors.connect_timeout==0
          - sessions.failed==0

        """

    /// The built-in real-mp profile: no triggers, thresholds only on what a healthy MP always gives.
    public static func realMP() -> FleetProfile {
        try! FleetProfile(yaml: realMPYAML, name: "real-mp")
    }
}
