import Foundation

/// One row of `sessions.csv`: what one simulated client did during the run.
public struct SessionReportRow: Sendable, Equatable {
    public var smsid: String
    public var sourceAddress: String
    /// `tcp` or `http`.
    public var transport: String
    public var connects: Int
    public var reconnects: Int
    public var keepalives: Int
    public var pushes: Int
    public var responses: Int
    /// The last failure, if any (empty column when `nil`).
    public var lastError: FailureReason?

    public init(smsid: String, sourceAddress: String, transport: String, connects: Int, reconnects: Int,
                keepalives: Int, pushes: Int, responses: Int, lastError: FailureReason?) {
        self.smsid = smsid
        self.sourceAddress = sourceAddress
        self.transport = transport
        self.connects = connects
        self.reconnects = reconnects
        self.keepalives = keepalives
        self.pushes = pushes
        self.responses = responses
        self.lastError = lastError
    }

    /// Column names of `sessions.csv`.
    public static let header = ["smsid", "source_address", "transport", "connects", "reconnects",
                                "keepalives", "pushes", "responses", "last_error"]

    /// The row's CSV fields.
    public var fields: [String] {
        [smsid, sourceAddress, transport, String(connects), String(reconnects), String(keepalives),
         String(pushes), String(responses), lastError?.rawValue ?? ""]
    }

    /// Parses `sessions.csv`.
    public static func parse(csv text: String) throws -> [SessionReportRow] {
        let table = try CSVTable(parsing: text)
        let columns = try header.map { name throws(CSVError) in try table.column(name) }
        return try table.rows.map { row throws(CSVError) in
            func int(_ i: Int) throws(CSVError) -> Int {
                guard let value = Int(row[columns[i]]) else { throw .invalidValue(column: header[i], value: row[columns[i]]) }
                return value
            }
            let errorText = row[columns[8]]
            var lastError: FailureReason?
            if !errorText.isEmpty {
                guard let reason = FailureReason(rawValue: errorText) else { throw .invalidValue(column: "last_error", value: errorText) }
                lastError = reason
            }
            return SessionReportRow(smsid: row[columns[0]], sourceAddress: row[columns[1]], transport: row[columns[2]],
                                    connects: try int(3), reconnects: try int(4), keepalives: try int(5),
                                    pushes: try int(6), responses: try int(7), lastError: lastError)
        }
    }
}

/// One row of `pushes.csv`: one trigger and how its fan-out went.
public struct PushReportRow: Sendable, Equatable {
    /// When the MP accepted the trigger (written as ISO 8601 UTC with milliseconds).
    public var triggerTime: Date
    /// The trigger / BGB push type (e.g. `8`).
    public var type: String
    /// The client task type the push asks for.
    public var taskType: String
    /// Sessions online and targeted.
    public var targets: Int
    /// Targets that received the push.
    public var reached: Int
    /// Targets that answered.
    public var answered: Int
    /// Fan-out latency percentiles of this trigger, nanoseconds.
    public var fanoutP50: UInt64
    public var fanoutP99: UInt64
    public var fanoutMax: UInt64

    public init(triggerTime: Date, type: String, taskType: String, targets: Int, reached: Int, answered: Int,
                fanoutP50: UInt64, fanoutP99: UInt64, fanoutMax: UInt64) {
        self.triggerTime = triggerTime
        self.type = type
        self.taskType = taskType
        self.targets = targets
        self.reached = reached
        self.answered = answered
        self.fanoutP50 = fanoutP50
        self.fanoutP99 = fanoutP99
        self.fanoutMax = fanoutMax
    }

    /// Column names of `pushes.csv`.
    public static let header = ["trigger_time", "type", "task_type", "targets", "reached", "answered",
                                "fanout_p50_ms", "fanout_p99_ms", "fanout_max_ms"]

    static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The row's CSV fields.
    public var fields: [String] {
        [triggerTime.formatted(Self.timeStyle), type, taskType, String(targets), String(reached), String(answered),
         Format.ms(fanoutP50), Format.ms(fanoutP99), Format.ms(fanoutMax)]
    }

    /// Parses `pushes.csv`.
    public static func parse(csv text: String) throws -> [PushReportRow] {
        let table = try CSVTable(parsing: text)
        let columns = try header.map { name throws(CSVError) in try table.column(name) }
        return try table.rows.map { row throws(CSVError) in
            func int(_ i: Int) throws(CSVError) -> Int {
                guard let value = Int(row[columns[i]]) else { throw .invalidValue(column: header[i], value: row[columns[i]]) }
                return value
            }
            func nanos(_ i: Int) throws(CSVError) -> UInt64 {
                guard let ms = Double(row[columns[i]]), ms >= 0, ms.isFinite else {
                    throw .invalidValue(column: header[i], value: row[columns[i]])
                }
                return UInt64((ms * 1e6).rounded())
            }
            guard let time = try? timeStyle.parse(row[columns[0]]) else {
                throw .invalidValue(column: "trigger_time", value: row[columns[0]])
            }
            return PushReportRow(triggerTime: time, type: row[columns[1]], taskType: row[columns[2]],
                                 targets: try int(3), reached: try int(4), answered: try int(5),
                                 fanoutP50: try nanos(6), fanoutP99: try nanos(7), fanoutMax: try nanos(8))
        }
    }
}
