import Engine
import Foundation
import Synchronization

/// A progress bar on standard error (files, MB read, frames/s, ETA), drawn only when standard
/// error is a terminal, at most five times a second. Reading every file is one bar; reading
/// again the files that hold overlapping data, to merge it, is a second one on its own line.
final class ProgressBar: Sendable {
    private struct State {
        var stage = Engine.Progress.Stage.reading
        var started = Date()
        var lastDraw: Double = 0
        var drawn = false
    }

    private let state = Mutex(State())

    /// A bar, or `nil` when standard error is not a terminal (then nothing is printed).
    static func forTerminal() -> ProgressBar? {
        isatty(STDERR_FILENO) == 1 ? ProgressBar() : nil
    }

    /// Redraws the bar for `progress`; called from worker threads.
    func update(_ progress: Engine.Progress) {
        let finished = progress.filesDone == progress.files
        let (shouldDraw, elapsed, newLine) = state.withLock { state -> (Bool, Double, Bool) in
            var newLine = false
            if progress.stage != state.stage {
                newLine = state.drawn
                state = State(stage: progress.stage)
            }
            let elapsed = Date().timeIntervalSince(state.started)
            guard finished || elapsed - state.lastDraw >= 0.2 else { return (false, elapsed, newLine) }
            state.lastDraw = elapsed
            state.drawn = true
            return (true, elapsed, newLine)
        }
        if newLine { FileHandle.standardError.write(Data("\n".utf8)) }
        guard shouldDraw else { return }
        let fraction = progress.bytes > 0 ? Double(progress.bytesDone) / Double(progress.bytes) : 1
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = elapsed > 0 ? Double(progress.frames) / elapsed / 1e6 : 0
        let remaining = fraction > 0 ? elapsed / fraction - elapsed : 0
        let label = progress.stage == .merging ? "merging overlaps " : ""
        let line = String(
            format: "\r%@[%@] %d/%d files  %.0f/%.0f MB  %.1fM frames/s  ETA %.0fs ",
            label, bar, progress.filesDone, progress.files, Double(progress.bytesDone) / 1e6,
            Double(progress.bytes) / 1e6, rate, max(0, remaining))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the bar's line.
    func finish() {
        if state.withLock({ $0.drawn }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
