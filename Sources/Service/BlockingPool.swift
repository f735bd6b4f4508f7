import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A bounded pool of threads of the service's own for work that blocks (decoding an upload,
/// the ledger's database, building a report), so that it never holds up the event loops or
/// Swift's cooperative threads: at most `threads` such jobs run at once; the others wait.
final class BlockingPool: Sendable {
    private let pool: NIOThreadPool
    private let background: Bool

    /// A pool of `threads`; with `background`, its threads yield the processor to the rest of
    /// the server (a lower scheduling priority), so that requests keep being answered while
    /// uploads are decoded.
    init(threads: Int, background: Bool = false) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.background = background
        pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let background = self.background
        return try await pool.runIfActive {
            #if canImport(Glibc)
                // On Linux the nice value is a thread's own: this sets this thread's only.
                if background { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10) }
            #endif
            return try body()
        }
    }

    /// Stops the pool once the jobs in it are done.
    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
