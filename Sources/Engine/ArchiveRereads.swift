import Archives
import Merging
import Rules

/// The window frames of a run's input files, read again (SPEC 3: exact merges): the files given
/// on the command line, or the archives a ledger stored (their `fileSystemPath`).
struct ArchiveRereads: WindowFrameSource {
    let files: [InputFile]
    let policy: Policy
    let settings: RunSettings

    func read<Sink: StagingSink, Summary: Sendable>(
        _ sources: [Int], sink: @Sendable () -> Sink, finish: @Sendable (consuming Sink) -> Summary
    ) -> (reads: [SecondRead], summaries: [Summary]) {
        let counter = ProgressCounter(
            .merging, files: sources.count,
            bytes: sources.reduce(0) { $0 + SubsidyRun.fileSize(files[$1].fileSystemPath) }, settings: settings)
        let (reads, summaries) = SubsidyRun.forEachFile(sources.indices, threads: settings.threads, state: sink) {
            (position, frames: inout Sink, reader: inout ArchiveReader) -> SecondRead in
            let result = SubsidyRun.decode(
                files[sources[position]], with: &reader, into: &frames, localOffset: policy.timezoneOffset)
            frames.endFile(keep: result.error == nil)
            counter?.fileDone(result)
            return SecondRead(file: sources[position], sha256: result.stored?.sha256, error: result.error)
        } finish: {
            finish($0)
        }
        return (reads, summaries)
    }
}
