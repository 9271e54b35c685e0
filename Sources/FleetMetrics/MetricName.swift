/// The latency metrics of every bgbfleet report (see the design's "What is measured").
/// Raw values are the names used in files, columns and thresholds.
public enum MetricName: String, CaseIterable, Sendable, Codable, Hashable {
    /// Scheduled start → SignInConfirm received (TCP + TLS + SignIn).
    case connect
    /// The TCP part of `connect`.
    case tcp
    /// The TLS handshake part of `connect`.
    case tls
    /// Trigger accepted by the MP (OperationID returned) → Request fully received by the client.
    case fanout
    /// Request received → Response flushed (includes the configured handling time).
    case response
    /// Trigger accepted → Response flushed.
    case e2e
    /// MP simulator only: push written → Response read.
    case mpRTT = "mp_rtt"
    /// Scheduled keep-alive time → actual send (from the intended time: coordinated-omission safe).
    case keepaliveLate = "keepalive_late"
    /// Event-loop lag probe of the generator itself.
    case loopLag = "loop_lag"
    /// Scheduled session start (the open model's arrival) → the generator starting its connect:
    /// how late the generator itself was to start sessions. Absent from reports written before it
    /// was measured (read as empty).
    case startLate = "start_late"

    /// Position in `allCases`, used to index fixed arrays.
    public var index: Int {
        switch self {
        case .connect: 0
        case .tcp: 1
        case .tls: 2
        case .fanout: 3
        case .response: 4
        case .e2e: 5
        case .mpRTT: 6
        case .keepaliveLate: 7
        case .loopLag: 8
        case .startLate: 9
        }
    }

    /// Whether a report may lack this metric's interval log (it was added after reports existed).
    public var isOptionalInReports: Bool { self == .startLate }

    /// File name of the metric's interval log: `<metric>.hlog`.
    public var hlogFileName: String { "\(rawValue).hlog" }
}
