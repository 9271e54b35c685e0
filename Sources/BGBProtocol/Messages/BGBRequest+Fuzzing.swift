import NIOCore

// Entry points for the libFuzzer target `FuzzCanonical` (Fuzz/): the two Request decoders side by
// side, so that the fuzzer can check that the fast one never disagrees with the general one.
// Not part of the library's API (`@_spi(Fuzzing)`).

@_spi(Fuzzing)
extension BGBRequest {
    /// ``init(canonical:)``: a Request written exactly as an MP writes it, or nil.
    public static func decodeCanonical(_ bytes: UnsafeRawBufferPointer) -> BGBRequest? {
        BGBRequest(canonical: bytes)
    }
}

@_spi(Fuzzing)
extension BGBMessage {
    /// Decodes `payload` through the general XML reader only (never the canonical fast path).
    public static func decodeGeneral(channel: BGBChannel, payload: ByteBuffer, limits: XMLReader.Limits = .bgbMessage) throws(BGBMessageError) -> BGBMessage {
        try BGBMessage(generalChannel: channel, payload: payload, limits: limits)
    }
}
