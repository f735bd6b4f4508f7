import CZlib

/// A streaming gzip decompression context: the only place zlib is called.
///
/// Reads a gzip stream of one or more members (as `gzip`, `pigz` and `cat a.gz b.gz` write it,
/// SPEC 2.2). One per worker, never shared (it is deliberately not `Sendable`); `deinit` frees
/// the stream. The `z_stream` lives on the heap: zlib keeps a pointer back to it, so it must not
/// move.
struct GzipDecompressor: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>

    /// Whether the input so far ends exactly at the end of a member (or holds none yet).
    private(set) var atMemberBoundary = true

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + 15: a gzip wrapper (not zlib or raw deflate) and the largest window.
        guard CZlib_inflateInit2(stream, 16 + 15) == Z_OK else {
            fatalError("zlib could not allocate a decompression stream (out of memory)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Starts a new stream (a new file).
    mutating func reset() {
        inflateReset(stream)
        atMemberBoundary = true
    }

    /// Decompresses from `input[position...]` into `output` as far as either goes, advancing
    /// `position`; returns the number of bytes written at the start of `output`.
    ///
    /// When a member ends and more input follows, the next member is read on.
    /// - Throws: `ArchiveError` (`.corrupt`) with zlib's reason when the data is not a valid
    ///   gzip stream (bad header, corrupt data, wrong CRC or length).
    mutating func decompress(
        _ input: UnsafeRawBufferPointer, from position: inout Int, into output: UnsafeMutableRawBufferPointer
    ) throws(ArchiveError) -> Int {
        guard let outBase = output.baseAddress, output.count > 0 else { return 0 }
        var written = 0
        while written < output.count {
            let remaining = input.count - position
            if atMemberBoundary {
                // Between members: start the next one only when there are bytes for it.
                guard remaining > 0 else { break }
                inflateReset(stream)
            }
            let inCount = UInt32(min(remaining, Int(UInt32.max)))
            let outCount = UInt32(min(output.count - written, Int(UInt32.max)))
            stream.pointee.next_in =
                inCount > 0
                ? UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self) + position)
                : nil
            stream.pointee.avail_in = inCount
            stream.pointee.next_out = (outBase + written).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = outCount
            let result = inflate(stream, Z_NO_FLUSH)
            position += Int(inCount - stream.pointee.avail_in)
            written += Int(outCount - stream.pointee.avail_out)
            switch result {
            case Z_STREAM_END:
                // The member ended; the loop starts the next one if input remains.
                atMemberBoundary = true
            case Z_OK:
                atMemberBoundary = false
                // zlib stops only when the input is used up or the output is full.
                if stream.pointee.avail_in == 0 || stream.pointee.avail_out == 0 { return written }
            case Z_BUF_ERROR:
                // No progress was possible (no input left, or no room): not an error.
                atMemberBoundary = false
                return written
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(result)"
                throw ArchiveError(.corrupt, "not a valid gzip stream (\(reason))")
            }
        }
        return written
    }

    /// The zlib version this program runs with, e.g. `1.2.13`.
    static var libraryVersion: String { String(cString: zlibVersion()) }
}
