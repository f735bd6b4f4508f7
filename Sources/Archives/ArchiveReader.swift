import Crypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Receives the decompressed bytes of one file, piece by piece, in order.
public protocol ByteSink {
    /// Takes the next piece of the file's content. The buffer is valid only during the call.
    mutating func consume(_ bytes: UnsafeRawBufferPointer)
}

/// What is known of a file as stored: its size and SHA-256 (for the audit trail, SPEC 7.1).
public struct StoredFile: Sendable, Equatable {
    /// Size in bytes, as stored (before decompression).
    public var bytes: Int64
    /// Lower-case hex SHA-256 of the bytes as stored.
    public var sha256: String
}

/// Streams files from disk through zstd into a `ByteSink`, never holding a whole file.
///
/// One reader per worker thread; it owns its decompression context and buffers and is not
/// `Sendable`.
public struct ArchiveReader: ~Copyable {
    private var decompressor = ZstdDecompressor()
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private let outputBuffer: UnsafeMutableRawBufferPointer

    /// Creates a reader with `blockSize`-byte read and decompression buffers.
    public init(blockSize: Int = 1 << 20) {
        inputBuffer = .allocate(byteCount: blockSize, alignment: 16)
        outputBuffer = .allocate(byteCount: max(blockSize, ZstdDecompressor.recommendedOutputSize), alignment: 16)
    }

    deinit {
        inputBuffer.deallocate()
        outputBuffer.deallocate()
    }

    /// Reads `file`, handing its content to `sink`, and returns its size and checksum.
    ///
    /// When the content turns out to be corrupt or truncated, the rest of the file is still read
    /// (not decoded) so that its size and checksum are those of the whole file as stored.
    /// - Returns: what is known of the file as stored (`nil` when it could not be read to the
    ///   end) and the failure, if any. After a failure the bytes already handed to `sink` must
    ///   be discarded: a file counts whole or not at all (SPEC 2.2).
    public mutating func read(_ file: InputFile, into sink: inout some ByteSink) -> (
        stored: StoredFile?, error: ArchiveError?
    ) {
        if let problem = file.problem {
            return (nil, ArchiveError(.unreadable, problem, path: file.path))
        }
        let descriptor = open(file.fileSystemPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return (nil, ArchiveError(.unreadable, "cannot open: \(systemError(errno))", path: file.path))
        }
        defer { close(descriptor) }
        var hasher = SHA256()
        var total: Int64 = 0
        var failure: ArchiveError?
        decompressor.reset()
        let input = inputBuffer
        let output = outputBuffer
        while true {
            let count = Glibc.read(descriptor, input.baseAddress, input.count)
            if count < 0 {
                if errno == EINTR { continue }
                return (nil, ArchiveError(.unreadable, "cannot read: \(systemError(errno))", path: file.path))
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: input[0..<count])
            hasher.update(bufferPointer: chunk)
            total += Int64(count)
            if failure != nil { continue }
            if file.isCompressed {
                do {
                    try decompressor.decompress(chunk, output: output) { (piece) throws(ArchiveError) in
                        sink.consume(piece)
                    }
                } catch {
                    failure = ArchiveError(error.code, error.message, path: file.path)
                }
            } else {
                sink.consume(chunk)
            }
        }
        if failure == nil && file.isCompressed && !decompressor.atFrameBoundary {
            failure = ArchiveError(.truncated, "zstd stream is truncated (ends inside a frame)", path: file.path)
        }
        return (StoredFile(bytes: total, sha256: hexString(hasher.finalize())), failure)
    }
}

/// Lower-case hex SHA-256 of `bytes` (used for the policy's checksum).
public func sha256Hex(_ bytes: [UInt8]) -> String {
    hexString(SHA256.hash(data: bytes))
}

private func hexString(_ digest: some Sequence<UInt8>) -> String {
    let hex = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in digest {
        text.append(hex[Int(byte >> 4)])
        text.append(hex[Int(byte & 15)])
    }
    return String(decoding: text, as: UTF8.self)
}

func systemError(_ code: Int32) -> String {
    String(cString: strerror(code))
}
