// libFuzzer target: the canonical Request decoder (`BGBRequest(canonical:)`, the generator's
// per-push fast path) against the general XML reader.
//
// Property: whatever the canonical decoder accepts, the general reader decodes to the same
// Request; and `BGBMessage(channel: .request, payload:)`, which picks the fast path when it can,
// gives the general reader's answer (the same message, or an error exactly when it errs).
@_spi(Fuzzing) import BGBProtocol
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    let payload = ByteBuffer(bytes: raw)
    let canonical = BGBRequest.decodeCanonical(raw)
    let general: Result<BGBMessage, BGBMessageError>
    do {
        general = .success(try BGBMessage.decodeGeneral(channel: .request, payload: payload))
    } catch {
        general = .failure(error)
    }
    if let canonical {
        guard case .success(.request(let request)) = general else {
            preconditionFailure("canonical accepted what the general reader refused: \(general)")
        }
        precondition(request == canonical, "canonical \(canonical) differs from general \(request)")
    }
    let chosen: BGBMessage?
    do {
        chosen = try BGBMessage(channel: .request, payload: payload)
    } catch {
        chosen = nil
    }
    switch general {
    case .success(let message):
        precondition(chosen == message, "the decoder's choice \(String(describing: chosen)) differs from the general reader's \(message)")
    case .failure:
        precondition(chosen == nil, "the decoder accepted what the general reader refused")
    }
    return 0
}
