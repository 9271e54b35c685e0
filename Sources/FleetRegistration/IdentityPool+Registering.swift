import FleetIdentity
import Foundation

extension IdentityPool {
    /// How many replies are recorded per pool write (each write rewrites the touched
    /// registration chunk files atomically).
    static let registrationFlushBatch = 64

    /// Registers identities `range` with the client's MP, `concurrency` at a time, and records
    /// every assigned SMSID, approval status, MP and reply time in the pool.
    ///
    /// Identities already registered with the same MP (``RegistrationTarget/description``) are
    /// skipped unless `force`. Replies are written in batches through
    /// ``updateRegistrations(_:)-(([(index:Int,state:RegistrationState?)]))``: every registration file is
    /// replaced atomically, so the pool is consistent whenever the process stops. Cancelling the
    /// calling task (Ctrl-C) starts no new registration, abandons those in flight and still
    /// records every reply that arrived.
    ///
    /// - Throws: the pool's errors (reading identities, writing registrations). Per-identity
    ///   failures do not throw: they are in the report.
    public func register(
        range: Range<Int>,
        client: RegistrationClient,
        concurrency: Int = 16,
        force: Bool = false,
        progress: (@Sendable (RegistrationProgress) -> Void)? = nil
    ) async throws -> RegistrationReport {
        precondition(concurrency >= 1, "at least one registration at a time")
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw IdentityPoolError.indexOutOfRange(index: range.upperBound - 1, count: count)
        }
        let mp = client.target.description
        var report = RegistrationReport()
        var work: [Identity] = []
        for identity in try load(range: range) {
            if !force, identity.registration?.mp == mp {
                report.skipped += 1
            } else {
                work.append(identity)
            }
        }
        let total = work.count
        var pendingWrites: [(index: Int, state: RegistrationState?)] = []
        var done = 0

        func record(_ index: Int, _ result: Result<RegistrationReply, RegistrationError>, at time: Date) {
            done += 1
            switch result {
            case .success(let reply):
                pendingWrites.append(
                    (index, RegistrationState(mp: mp, assignedSMSID: reply.smsID, approvalStatus: reply.approvalStatus, registeredAt: time))
                )
                report.retries += reply.attempts - 1
                report.lastRegisteredAt = time
                switch reply.approvalStatus {
                case .approved: report.approved += 1
                case .pending: report.pending += 1
                case .unknown, .notApplicable: report.otherApproval += 1
                }
            case .failure(.cancelled):
                report.notAttempted += 1
            case .failure(let error):
                report.failures.append((index, error))
            }
            progress?(RegistrationProgress(done: done, total: total, registered: report.registered, failed: report.failures.count))
        }

        var writeError: Error?
        await withTaskGroup(of: (Int, Result<RegistrationReply, RegistrationError>, Date).self) { group in
            var next = 0
            func startNext() -> Bool {
                guard next < work.count, !Task.isCancelled, writeError == nil else { return false }
                let identity = work[next]
                next += 1
                group.addTask {
                    do throws(RegistrationError) {
                        let reply = try await client.register(identity)
                        return (identity.index, .success(reply), Date())
                    } catch {
                        return (identity.index, .failure(error), Date())
                    }
                }
                return true
            }
            for _ in 0..<concurrency where !startNext() { break }
            while let (index, result, time) = await group.next() {
                record(index, result, at: time)
                if pendingWrites.count >= Self.registrationFlushBatch {
                    do {
                        try updateRegistrations(pendingWrites)
                        pendingWrites.removeAll()
                    } catch {
                        writeError = error
                        group.cancelAll()
                    }
                }
                _ = startNext()
            }
        }
        report.notAttempted += work.count - done
        if !pendingWrites.isEmpty {
            try updateRegistrations(pendingWrites)
        }
        if let writeError { throw writeError }
        report.failures.sort { $0.index < $1.index }
        return report
    }
}
