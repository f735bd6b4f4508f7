import Archives
import Dispatch
import Figures
import Foundation
import Frames
import Reports
import Rules
import Subsidy
import Synchronization
import Timelines

extension SubsidyRun {
    /// Runs `work` over `indices` on `threads` workers, each with its own state and archive
    /// reader; results are in the order of `indices`.
    static func forEachFile<State, Result: Sendable>(
        _ indices: Range<Int>, threads: Int, state makeState: @Sendable () -> State,
        work: @Sendable (Int, inout State, inout ArchiveReader) -> Result
    ) -> [Result] {
        forEachFile(indices, threads: threads, state: makeState, work: work, finish: { _ in }).results
    }

    /// Runs `work` over `indices` on `threads` workers, each with its own state and archive
    /// reader; returns the results in the order of `indices` and what `finish` made of each
    /// worker's final state.
    static func forEachFile<State, Result: Sendable, Summary: Sendable>(
        _ indices: Range<Int>, threads: Int, state makeState: @Sendable () -> State,
        work: @Sendable (Int, inout State, inout ArchiveReader) -> Result,
        finish: @Sendable (consuming State) -> Summary
    ) -> (results: [Result], summaries: [Summary]) {
        let next = Atomic<Int>(indices.lowerBound)
        let results = Mutex([Result?](repeating: nil, count: indices.count))
        let workers = max(1, min(threads, indices.count))
        let summaries = Mutex([Summary?](repeating: nil, count: workers))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var reader = ArchiveReader()
            var state = makeState()
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index >= indices.upperBound { break }
                let result = work(index, &state, &reader)
                results.withLock { $0[index - indices.lowerBound] = result }
            }
            let summary = finish(state)
            summaries.withLock { $0[worker] = summary }
        }
        return (results.withLock { $0.map { $0! } }, summaries.withLock { $0.map { $0! } })
    }
}
