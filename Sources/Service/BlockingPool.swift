import HTTPTypes
import NIOPosix

/// A bounded pool of threads of the service's own for work that blocks (decoding an upload,
/// the ledger's database, building a report), so that it never holds up the event loops or
/// Swift's cooperative threads: at most `threads` such jobs run at once; the others wait.
final class BlockingPool: Sendable {
    private let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Stops the pool once the jobs in it are done.
    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
