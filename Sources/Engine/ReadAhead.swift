import Archives
import Dispatch
import Synchronization

/// Reads and decompresses a file on a helper thread while the calling thread decodes it: a
/// two-stage pipeline, so that one large file still keeps two cores busy. Blocks of about
/// `blockSize` bytes are handed over in order; at most `depth` are in flight, so memory stays
/// bounded whatever the size of the file.
enum ReadAhead {
    /// One handed-over piece of the file, or its end.
    private enum Piece: Sendable {
        case bytes([UInt8])
        case end(StoredFile?, ArchiveError?)
    }

    /// Collects decompressed bytes into blocks and hands each full block over.
    private struct Blocks: ByteSink {
        let blockSize: Int
        let handOver: (Piece) -> Void
        var current: [UInt8] = []

        mutating func consume(_ bytes: UnsafeRawBufferPointer) {
            if current.isEmpty { current.reserveCapacity(blockSize) }
            current.append(contentsOf: bytes)
            if current.count >= blockSize {
                handOver(.bytes(current))
                current = []
            }
        }
    }

    /// Reads `file` into `sink` with read-ahead; returns what `ArchiveReader.read` returns.
    static func read(_ file: InputFile, into sink: inout some ByteSink, blockSize: Int = 4 << 20, depth: Int = 3)
        -> (stored: StoredFile?, error: ArchiveError?)
    {
        let queue = Mutex([Piece]())
        let filled = DispatchSemaphore(value: 0)
        let room = DispatchSemaphore(value: depth)
        let handOver: @Sendable (Piece) -> Void = { piece in
            room.wait()
            queue.withLock { $0.append(piece) }
            filled.signal()
        }
        DispatchQueue.global().async {
            var reader = ArchiveReader()
            var blocks = Blocks(blockSize: blockSize, handOver: handOver)
            let (stored, error) = reader.read(file, into: &blocks)
            if !blocks.current.isEmpty { handOver(.bytes(blocks.current)) }
            handOver(.end(stored, error))
        }
        while true {
            filled.wait()
            let piece = queue.withLock { $0.removeFirst() }
            room.signal()
            switch piece {
            case .bytes(let bytes):
                bytes.withUnsafeBytes { sink.consume($0) }
            case .end(let stored, let error):
                return (stored, error)
            }
        }
    }
}
