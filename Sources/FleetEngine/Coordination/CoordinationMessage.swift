import FleetMetrics
import Foundation

/// One message of the coordinator ↔ worker protocol of a multi-process or multi-host run.
///
/// A worker connects to the coordinator and sends ``register(_:)``; the coordinator measures the
/// worker's clock offset with ``ping(_:)`` / ``pong(_:)`` round trips, hands it its slice of the
/// plan (``assign(_:)``), waits for every worker's ``ready(_:)``, then sends one start instant
/// (``start(_:)``, in each worker's own clock). Workers report when their start fired
/// (``started(_:)``), stream one ``interval(_:)`` a second (V2-encoded histograms, as in `.hlog`,
/// and cumulative counters), and end with ``finished(_:)`` (or ``failed(_:)``). The coordinator
/// may end a run early with ``stop(_:)``; during the run it sends ``ping(_:)`` every second as a
/// heartbeat.
///
/// On the wire every message is one frame: a 4-byte big-endian length, then the message as JSON
/// (see ``CoordinationFrame``).
public enum CoordinationMessage: Codable, Sendable, Equatable {
    // Worker → coordinator.
    case register(Register)
    case pong(Pong)
    case ready(Ready)
    case started(Started)
    case interval(WorkerInterval)
    case finished(Finished)
    case failed(Failure)
    // Coordinator → worker.
    case ping(Ping)
    case assign(Assignment)
    case start(Start)
    case stop(Stop)
    case rejected(Failure)

    /// The protocol version both ends must speak.
    public static let protocolVersion = 1

    /// A worker introduces itself.
    public struct Register: Codable, Sendable, Equatable {
        /// The worker's index (0-based; `JOB_COMPLETION_INDEX` in an Indexed Job).
        public var index: Int
        public var host: String
        public var pid: Int32
        public var protocolVersion: Int

        public init(index: Int, host: String, pid: Int32, protocolVersion: Int = CoordinationMessage.protocolVersion) {
            self.index = index
            self.host = host
            self.pid = pid
            self.protocolVersion = protocolVersion
        }
    }

    /// A clock probe (and, during the run, the coordinator's heartbeat).
    public struct Ping: Codable, Sendable, Equatable {
        public var id: Int
        public init(id: Int) { self.id = id }
    }

    /// The answer to a ``Ping``: the worker's wall clock when it answered.
    public struct Pong: Codable, Sendable, Equatable {
        public var id: Int
        /// Nanoseconds since the epoch on the worker's clock.
        public var workerEpochNanoseconds: Int64
        public init(id: Int, workerEpochNanoseconds: Int64) {
            self.id = id
            self.workerEpochNanoseconds = workerEpochNanoseconds
        }
    }

    /// The worker's slice of the plan.
    public struct Assignment: Codable, Sendable, Equatable {
        /// One ID for the whole run (labels metrics, names temporary files).
        public var runID: String
        /// This worker's shard, and how many there are: the plan is deterministic, so the shard
        /// names the slice (sessions, identities, source addresses, who sends the triggers).
        public var index: Int
        public var count: Int
        /// The profile's YAML text, when the coordinator was given one (nil: the built-in smoke).
        public var profileYAML: String?
        public var profileName: String?
        /// `bgbfleet run` flags the coordinator was given that workers apply too (overrides).
        public var arguments: [String]
        /// The coordinator's identity pool path: used by a worker on the same host that was given
        /// none of its own.
        public var identities: String?
        /// Whether the worker prints its own live line.
        public var quiet: Bool

        public init(
            runID: String, index: Int, count: Int, profileYAML: String?, profileName: String?, arguments: [String],
            identities: String?, quiet: Bool
        ) {
            self.runID = runID
            self.index = index
            self.count = count
            self.profileYAML = profileYAML
            self.profileName = profileName
            self.arguments = arguments
            self.identities = identities
            self.quiet = quiet
        }
    }

    /// The worker holds its sessions' identities, its target and its engine, ready to start.
    public struct Ready: Codable, Sendable, Equatable {
        /// Sessions in this worker's slice.
        public var sessions: Int
        public init(sessions: Int) { self.sessions = sessions }
    }

    /// The one start instant, converted to the receiving worker's clock.
    public struct Start: Codable, Sendable, Equatable {
        public var epochNanoseconds: Int64
        public init(epochNanoseconds: Int64) { self.epochNanoseconds = epochNanoseconds }
    }

    /// When the worker's start timer actually fired, on its own clock.
    public struct Started: Codable, Sendable, Equatable {
        public var epochNanoseconds: Int64
        public init(epochNanoseconds: Int64) { self.epochNanoseconds = epochNanoseconds }
    }

    /// One interval of a worker: seconds since the run's start instant, histograms as Base64 of
    /// the compressed V2 encoding (the `.hlog` form) keyed by metric name, cumulative counters.
    public struct WorkerInterval: Codable, Sendable, Equatable {
        public var start: Double
        public var length: Double
        public var histograms: [String: String]
        public var counters: CounterSnapshot
        /// The worker's sessions the MP reports online (`SMS_CN_ClientStatus`), when it polls.
        public var mpOnline: Int?

        public init(start: Double, length: Double, histograms: [String: String], counters: CounterSnapshot, mpOnline: Int? = nil) {
            self.start = start
            self.length = length
            self.histograms = histograms
            self.counters = counters
            self.mpOnline = mpOnline
        }

        /// Encodes an interval of the engine.
        public init(_ record: IntervalRecord) throws {
            var histograms: [String: String] = [:]
            for (metric, histogram) in record.histograms {
                histograms[metric.rawValue] = try histogram.encodeCompressedBase64()
            }
            self.init(start: record.start, length: record.length, histograms: histograms, counters: record.counters, mpOnline: record.mpOnline)
        }

        /// Decodes it back (metrics this build does not know are skipped).
        public func record() throws -> IntervalRecord {
            var decoded: [MetricName: HistogramSnapshot] = [:]
            for (name, text) in histograms {
                guard let metric = MetricName(rawValue: name) else { continue }
                decoded[metric] = try HistogramSnapshot.decodeCompressedBase64(text)
            }
            var record = IntervalRecord(start: start, length: length, histograms: decoded, counters: counters)
            record.mpOnline = mpOnline
            return record
        }
    }

    /// The worker's run is over: what its report holds beyond the intervals.
    public struct Finished: Codable, Sendable, Equatable {
        /// The end of its run, on its own clock.
        public var endEpochNanoseconds: Int64
        public var counters: CounterSnapshot
        public var plan: [String: String]
        /// `sessions.csv` and `pushes.csv` as the worker wrote them.
        public var sessionsCSV: String
        public var pushesCSV: String
        /// Whether its run stopped before the planned duration (the coordinator's stop, a signal).
        public var interrupted: Bool?
        /// The most of its sessions signed in at once.
        public var peakSignedIn: Int64?

        public init(
            endEpochNanoseconds: Int64, counters: CounterSnapshot, plan: [String: String], sessionsCSV: String, pushesCSV: String,
            interrupted: Bool? = nil, peakSignedIn: Int64? = nil
        ) {
            self.endEpochNanoseconds = endEpochNanoseconds
            self.counters = counters
            self.plan = plan
            self.sessionsCSV = sessionsCSV
            self.pushesCSV = pushesCSV
            self.interrupted = interrupted
            self.peakSignedIn = peakSignedIn
        }
    }

    /// Why a worker could not run (or why the coordinator refused it), with the exit status it means.
    public struct Failure: Codable, Sendable, Equatable {
        public var message: String
        public var exitCode: Int32
        public init(message: String, exitCode: Int32) {
            self.message = message
            self.exitCode = exitCode
        }
    }

    /// The coordinator ends the run early (interrupted, another worker failed).
    public struct Stop: Codable, Sendable, Equatable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }
}
