// The generator's per-push cost, the identity pool's load time and the RSA signing and key
// generation paths (OpenSSL 3 against swift-crypto's BoringSSL). Targets (release,
// ../shared/spec/design.md): ≤ 20 µs of generator CPU per push (this suite
// measures the in-process part: decode Request → state machine → encode Response → record);
// 100,000 identities load in ≤ 5 s (≤ 50 µs per identity).
import BGBClient
import BGBProtocol
import Benchmark
import CCMMessaging
import Dispatch
import FleetIdentity
import FleetMetrics
import Foundation
import NIOCore
import _CryptoExtras

let requestFrame: ByteBuffer = {
    var buffer = ByteBuffer()
    BGBMessage.request(
        BGBRequest(
            timeStamp: BGBTimeStamp(epochNanoseconds: 1_795_715_162_000_000_000, style: .utcWholeSeconds),
            pushID: 1,
            taskID: 1,
            taskGuid: "A43DD1B3-A006-4604-B012-5529380B3B6F",
            taskType: .requestPolicy
        )
    ).writeTCPFrame(into: &buffer)
    return buffer
}()

let smsID = try! SMSID("GUID:ED8C13AF-496B-4188-8633-DBA3120DA6EC")

func onlineMachine() -> BGBSessionStateMachine {
    var machine = BGBSessionStateMachine(configuration: BGBSessionConfiguration(smsID: smsID, timestamps: .sdk(localOffsetMinutes: 60)))
    _ = machine.transportReady(nowNanoseconds: 0, epochNanoseconds: 0)
    _ = machine.received(.signInConfirm(BGBSignInConfirm(timeStamp: .now(.utcWholeSeconds))), nowNanoseconds: 0, epochNanoseconds: 0)
    return machine
}

/// A P-256 pool of `count` identities in a temporary directory, generated once per process.
func temporaryPool(count: Int) -> IdentityPool {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bgbfleet-bench-pool-\(count)")
    if let pool = try? IdentityPool.open(at: directory), pool.count == count { return pool }
    try? FileManager.default.removeItem(at: directory)
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: IdentityPool?
    Task.detached {
        var pool = try! IdentityPool.create(at: directory, keyType: .p256)
        try! await pool.generate(count: count)
        result = pool
        semaphore.signal()
    }
    semaphore.wait()
    return result!
}

let benchmarks: @Sendable () -> Void = {
    // Tolerances for `thresholds check` against Thresholds/FleetBenchmarks.<name>.p90.json, as in
    // ProtocolBenchmarks: a wall-clock p90 may deviate from the stored threshold by a relative
    // tolerance (25 % by default: timings are noisy on shared machines), allocation counts are
    // deterministic: no tolerance. Where a benchmark's p90 flapped by more than 25 % between runs
    // on the 2-core reference VM (same code, no other load in the VM; the p50s stay within a few
    // per cent, the p90s pick up the host's noise), its tolerance is widened below, with the
    // p90 spread seen.
    func wallClock(_ percent: Double) -> BenchmarkThresholds { BenchmarkThresholds(relative: [.p90: percent]) }
    let exactCount = BenchmarkThresholds(relative: [.p90: 0.0], absolute: [.p90: 0])

    let perPush = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        thresholds: [.wallClock: wallClock(25), .mallocCountTotal: exactCount]
    )
    // ~170 ns per push: p90 seen between 174 and 288 ns (p50 167–175 ns): 50 %.
    var sessionPushStep = perPush
    sessionPushStep.thresholds?[.wallClock] = wallClock(50)
    Benchmark("SessionPushStep", configuration: sessionPushStep) { benchmark in
        var machine = onlineMachine()
        let request = BGBRequest(
            timeStamp: BGBTimeStamp(epochNanoseconds: 0, style: .utcWholeSeconds),
            pushID: 1,
            taskID: 1,
            taskGuid: "A43DD1B3-A006-4604-B012-5529380B3B6F",
            taskType: .requestPolicy
        )
        for _ in benchmark.scaledIterations {
            blackHole(machine.received(.request(request), nowNanoseconds: 1, epochNanoseconds: 1_795_715_162_000_000_000))
            blackHole(machine.respond(to: request, returnCode: .success, epochNanoseconds: 1_795_715_162_000_000_000))
        }
    }
    let responseTimes = Recorder()
    // ~2.7 µs per push: p90 seen between 2.8 and 5.1 µs (p50 2.6–2.9 µs, one run 4.5): 75 %.
    var perPushPath = perPush
    perPushPath.thresholds?[.wallClock] = wallClock(75)
    Benchmark("PerPushPath", configuration: perPushPath) { benchmark in
        // Decode the Request frame → state machine → encode the Response frame → record `response`.
        var machine = onlineMachine()
        let parser = BGBFrameParser(configuration: .tolerant)
        var output = ByteBuffer()
        output.reserveCapacity(512)
        for _ in benchmark.scaledIterations {
            var input = requestFrame
            guard let frame = try parser.nextFrame(from: &input), case .request(let request) = try BGBMessage(frame: frame)
            else { fatalError("the request frame does not decode") }
            _ = machine.received(.request(request), nowNanoseconds: 1, epochNanoseconds: 1_795_715_162_000_000_000)
            for action in machine.respond(to: request, returnCode: .success, epochNanoseconds: 1_795_715_162_000_000_000) {
                if case .send(let message) = action {
                    output.clear()
                    message.writeTCPFrame(into: &output)
                }
            }
            responseTimes.record(15_000)
        }
        blackHole(output)
    }

    let pool = temporaryPool(count: 10_000)
    Benchmark(
        "IdentityPoolLoad10k",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident],
            maxDuration: .seconds(5),
            maxIterations: 20,
            thresholds: [
                // Reads 10,000 files: p90 seen between 7.0 and 11.1 ms (file cache, host I/O): 50 %.
                .wallClock: wallClock(50),
                // Resident memory is sampled by the runner while the pool is loaded: a few MB of
                // sampling and allocator jitter, so 15 % rather than exact.
                .peakMemoryResident: .init(relative: [.p90: 15.0]),
            ]
        )
    ) { _ in
        let loaded = try IdentityPool.open(at: pool.directory).load(range: 0..<10_000)
        precondition(loaded.count == 10_000)
        blackHole(loaded)
    }

    let rsaDER = try! OpenSSLRSA.generatePKCS8(bits: 2048)
    let boringKey = try! _RSA.Signing.PrivateKey(derRepresentation: rsaDER)
    let openSSLKey = try! OpenSSLRSA.SigningKey(derRepresentation: rsaDER)
    let payload = Array(repeating: UInt8(ascii: "A"), count: 160)
    // p90 seen between 642 and 983 µs (BoringSSL) and 352 and 402 µs (OpenSSL; 562 while the
    // machine ran a load test), while the p50s stay at ~630 / ~335 µs: 50 %.
    let signing = Benchmark.Configuration(
        metrics: [.wallClock],
        maxDuration: .seconds(2),
        maxIterations: 2_000,
        thresholds: [.wallClock: wallClock(50)]
    )
    Benchmark("RSASignBoringSSL", configuration: signing) { _ in
        blackHole(try ReversedSignature.sign(payload, with: boringKey))
    }
    Benchmark("RSASignOpenSSL", configuration: signing) { _ in
        blackHole(try openSSLKey.reversedSignatureSHA256(payload))
    }
    // RSA key generation searches for random primes: its run time is random (roughly a sum of two
    // geometric prime-search lengths), and the p90 of 20 samples moves a lot between runs (seen:
    // BoringSSL 80–162 ms, OpenSSL 224–630 ms). A 100 % tolerance (a p90 up to twice the stored
    // value passes) does not flap and still catches a slower-than-2× regression; an improvement can
    // never be flagged (it would have to be more than 100 %).
    let keygen = Benchmark.Configuration(
        metrics: [.wallClock],
        maxDuration: .seconds(5),
        maxIterations: 20,
        thresholds: [.wallClock: wallClock(100)]
    )
    Benchmark("RSAKeygenBoringSSL", configuration: keygen) { _ in
        blackHole(try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }
    Benchmark("RSAKeygenOpenSSL", configuration: keygen) { _ in
        blackHole(try OpenSSLRSA.generatePKCS8(bits: 2048))
    }
}
