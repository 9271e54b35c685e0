import ArgumentParser
import FleetEngine
import FleetMetrics

/// `bgbfleet run` options of a run over many hosts: this process coordinates, workers
/// (`bgbfleet worker`) run the sessions.
struct CoordinationOptions: ParsableArguments {
    @Option(help: "Coordinate N workers (`bgbfleet worker --coordinator HOST:PORT`, e.g. pods of an Indexed Job) instead of running sessions here.")
    var workers: Int?

    @Option(help: "Where the coordinator listens for workers, ADDR:PORT (default 0.0.0.0:7400; with --workers).")
    var listen: String?

    @Option(help: "How long every worker has to register (e.g. 120s); the missing ones are named and the run exits 2.")
    var registerTimeout: String?

    @Option(help: "How many workers may be lost during the run (their data so far is kept) before it exits 1 (default 0).")
    var tolerateWorkerLoss: Int?

    /// The worker count of a coordinated run with remote workers, or nil.
    func validatedWorkers(processes: Int?) throws -> Int? {
        guard let workers else {
            if listen != nil { throw CommandFailure.badInput("--listen needs --workers N") }
            return nil
        }
        if processes != nil { throw CommandFailure.badInput("give --workers (other hosts) or --processes (this host), not both") }
        guard (1...4096).contains(workers) else { throw CommandFailure.badInput("--workers \(workers): must be 1…4096") }
        return workers
    }

    func listenEndpoint() throws -> (host: String, port: Int) {
        guard let listen else { return ("0.0.0.0", 7400) }
        guard let endpoint = PrometheusServer.parse(listen) else {
            throw CommandFailure.badInput("--listen \(listen): expected ADDR:PORT, e.g. 0.0.0.0:7400")
        }
        return endpoint
    }

    func registrationTimeout() throws -> UInt64 {
        guard let registerTimeout else { return 120_000_000_000 }
        guard let value = DurationText.nanoseconds(registerTimeout), value > 0 else {
            throw CommandFailure.badInput("--register-timeout \(registerTimeout): not a duration (e.g. 120s)")
        }
        return value
    }

    func toleratedLoss() throws -> Int {
        guard let tolerateWorkerLoss else { return 0 }
        guard tolerateWorkerLoss >= 0 else { throw CommandFailure.badInput("--tolerate-worker-loss must be 0 or more") }
        return tolerateWorkerLoss
    }
}
