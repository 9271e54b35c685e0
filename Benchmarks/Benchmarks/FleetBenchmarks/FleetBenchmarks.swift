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
    let perPush = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(2))
    Benchmark("SessionPushStep", configuration: perPush) { benchmark in
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
    Benchmark("PerPushPath", configuration: perPush) { benchmark in
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
        configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(5), maxIterations: 20)
    ) { _ in
        let loaded = try IdentityPool.open(at: pool.directory).load(range: 0..<10_000)
        precondition(loaded.count == 10_000)
        blackHole(loaded)
    }

    let rsaDER = try! OpenSSLRSA.generatePKCS8(bits: 2048)
    let boringKey = try! _RSA.Signing.PrivateKey(derRepresentation: rsaDER)
    let openSSLKey = try! OpenSSLRSA.SigningKey(derRepresentation: rsaDER)
    let payload = Array(repeating: UInt8(ascii: "A"), count: 160)
    let signing = Benchmark.Configuration(metrics: [.wallClock], maxDuration: .seconds(2), maxIterations: 2_000)
    Benchmark("RSASignBoringSSL", configuration: signing) { _ in
        blackHole(try ReversedSignature.sign(payload, with: boringKey))
    }
    Benchmark("RSASignOpenSSL", configuration: signing) { _ in
        blackHole(try openSSLKey.reversedSignatureSHA256(payload))
    }
    let keygen = Benchmark.Configuration(metrics: [.wallClock], maxDuration: .seconds(5), maxIterations: 20)
    Benchmark("RSAKeygenBoringSSL", configuration: keygen) { _ in
        blackHole(try _RSA.Signing.PrivateKey(keySize: .bits2048))
    }
    Benchmark("RSAKeygenOpenSSL", configuration: keygen) { _ in
        blackHole(try OpenSSLRSA.generatePKCS8(bits: 2048))
    }
}
