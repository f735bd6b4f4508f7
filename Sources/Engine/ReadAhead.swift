import Archives
import Dispatch
import Synchronization

/// Reads and decompresses a file on a helper thread while the calling thread decodes it: a
/// two-stage pipeline, so that one large file still keeps two cores busy. The helper
/// decompresses straight into blocks of `blockSize` bytes from a fixed pool of `depth + 2`
/// (so nothing is copied and no memory is allocated per block); full blocks are handed over in
/// order and come back to the pool once decoded. Memory stays bounded whatever the size of the
/// file.
enum ReadAhead {
    /// One handed-over block of the file (a pool index and how many bytes it holds), or the end.
    private enum Piece: Sendable {
        case block(Int, count: Int)
        case end(StoredFile?, ArchiveError?)
    }

    /// The blocks, and which of them are free; shared by the two threads.
    private final class Pool: @unchecked Sendable {
        let blocks: [UnsafeMutableRawBufferPointer]
        /// Free blocks, under the lock; `available` counts them.
        let free: Mutex<[Int]>
        let available: DispatchSemaphore

        init(count: Int, blockSize: Int) {
            blocks = (0..<count).map { _ in .allocate(byteCount: blockSize, alignment: 64) }
            free = Mutex(Array(0..<count))
            available = DispatchSemaphore(value: count)
        }

        deinit {
            for block in blocks { block.deallocate() }
        }

        /// Waits for a free block and takes it.
        func take() -> Int {
            available.wait()
            return free.withLock { $0.removeLast() }
        }

        /// Gives a block back.
        func give(_ index: Int) {
            free.withLock { $0.append(index) }
            available.signal()
        }
    }

    /// Fills pool blocks with the file's content and hands each full block over.
    private struct Blocks: ByteSink {
        let pool: Pool
        let handOver: (Piece) -> Void
        var current: Int?
        var filled = 0

        /// The free end of the current block: the reader decompresses straight into it.
        mutating func room() -> UnsafeMutableRawBufferPointer? {
            let block = current ?? startBlock()
            return UnsafeMutableRawBufferPointer(rebasing: pool.blocks[block][filled...])
        }

        mutating func consume(_ bytes: UnsafeRawBufferPointer) {
            var rest = bytes
            while !rest.isEmpty {
                let block = current ?? startBlock()
                let target = pool.blocks[block]
                let count = min(rest.count, target.count - filled)
                // Decompressed bytes are already in place; others (an uncompressed file, or a
                // small archive decompressed whole) are copied.
                if rest.baseAddress != UnsafeRawPointer(target.baseAddress! + filled) {
                    UnsafeMutableRawBufferPointer(rebasing: target[filled..<(filled + count)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[0..<count]))
                }
                filled += count
                rest = UnsafeRawBufferPointer(rebasing: rest[count...])
                if filled == target.count { flush() }
            }
        }

        private mutating func startBlock() -> Int {
            let block = pool.take()
            current = block
            filled = 0
            return block
        }

        /// Hands the current block over, if it holds anything.
        mutating func flush() {
            guard let block = current else { return }
            current = nil
            if filled > 0 { handOver(.block(block, count: filled)) } else { pool.give(block) }
        }
    }

    /// Reads `file` into `sink` with read-ahead; returns what `ArchiveReader.read` returns.
    static func read(
        _ file: InputFile, into sink: inout some ByteSink, blockSize: Int = 256 << 10, depth: Int = 8,
        wholeFileLimit: Int = 2 << 20
    ) -> (stored: StoredFile?, error: ArchiveError?) {
        let pool = Pool(count: depth + 2, blockSize: blockSize)
        let queue = Mutex([Piece]())
        let filled = DispatchSemaphore(value: 0)
        let handOver: @Sendable (Piece) -> Void = { piece in
            queue.withLock { $0.append(piece) }
            filled.signal()
        }
        DispatchQueue.global().async {
            var reader = ArchiveReader(wholeFileLimit: wholeFileLimit)
            var blocks = Blocks(pool: pool, handOver: handOver)
            let (stored, error) = reader.read(file, into: &blocks)
            blocks.flush()
            handOver(.end(stored, error))
        }
        while true {
            filled.wait()
            let piece = queue.withLock { $0.removeFirst() }
            switch piece {
            case .block(let index, let count):
                sink.consume(UnsafeRawBufferPointer(rebasing: pool.blocks[index][0..<count]))
                pool.give(index)
            case .end(let stored, let error):
                return (stored, error)
            }
        }
    }
}
