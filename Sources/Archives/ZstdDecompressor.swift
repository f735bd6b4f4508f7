import CZstd

/// A streaming zstd decompression context: the only place libzstd is called.
///
/// One per worker, never shared (it is deliberately not `Sendable`); `deinit` frees the context.
struct ZstdDecompressor: ~Copyable {
    private let context: OpaquePointer

    /// Whether the last call ended exactly at a frame boundary (libzstd returned 0).
    private(set) var atFrameBoundary = true

    init() {
        guard let context = ZSTD_createDCtx() else {
            fatalError("libzstd could not allocate a decompression context (out of memory)")
        }
        self.context = context
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Starts a new stream (a new file).
    mutating func reset() {
        _ = ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        atFrameBoundary = true
    }

    /// Decompresses from `input[position...]` into `output` as far as either goes, advancing
    /// `position`; returns the number of bytes written at the start of `output`.
    ///
    /// Multi-frame streams (as written by `zstd` and `pzstd`) continue across frames.
    /// - Throws: a message from libzstd when the data is not a valid zstd stream.
    mutating func decompress(
        _ input: UnsafeRawBufferPointer, from position: inout Int, into output: UnsafeMutableRawBufferPointer
    ) throws(ArchiveError) -> Int {
        // Called again with the input used up, it hands over what libzstd still holds.
        guard let inBase = input.baseAddress, let outBase = output.baseAddress, output.count > 0 else { return 0 }
        var inBuffer = ZSTD_inBuffer(src: inBase, size: input.count, pos: position)
        var outBuffer = ZSTD_outBuffer(dst: outBase, size: output.count, pos: 0)
        let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
        if ZSTD_isError(result) != 0 {
            let name = String(cString: ZSTD_getErrorName(result))
            throw ArchiveError(.corrupt, "not a valid zstd stream (\(name))")
        }
        // Called again after a frame ended (the output had been filled exactly), libzstd takes
        // and gives nothing and returns the next frame header's size: still at the boundary.
        if inBuffer.pos > position || outBuffer.pos > 0 { atFrameBoundary = result == 0 }
        position = inBuffer.pos
        return outBuffer.pos
    }

    /// Decompresses a whole file held in memory in one call, straight into `output` (grown as
    /// needed), which saves the streaming decoder's copy out of its window.
    /// - Returns: the content's size, or `nil` when the first frame does not state its content
    ///   size, states more than `limit` bytes, or anything fails; the caller then streams the
    ///   same bytes, which reports failures precisely. The context is reset either way.
    mutating func decompressWhole(
        _ input: UnsafeRawBufferPointer, into output: inout UnsafeMutableRawBufferPointer, limit: Int
    ) -> Int? {
        defer { reset() }
        guard let inBase = input.baseAddress else { return nil }
        let stated = ZSTD_getFrameContentSize(inBase, input.count)
        // Unknown and error are the two largest values, above any limit.
        guard stated <= UInt64(limit) else { return nil }
        let needed = max(Int(stated), 1)
        if output.count < needed {
            output.deallocate()
            output = .allocate(byteCount: needed, alignment: 16)
        }
        let result = ZSTD_decompressDCtx(context, output.baseAddress, output.count, inBase, input.count)
        return ZSTD_isError(result) != 0 ? nil : result
    }

    /// The libzstd version this program runs with, e.g. `1.5.4`.
    static var libraryVersion: String { String(cString: ZSTD_versionString()) }

    /// The recommended output buffer size of libzstd.
    static var recommendedOutputSize: Int { ZSTD_DStreamOutSize() }
}
