#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Archives
import Frames

/// A large CSV archive of several zstd frames, read by several workers at once: its parts
/// (`ZstdFrameParts`) are decompressed and decoded apart, and its checksum is read on its own.
///
/// Lines do not respect frames, so each part is aligned on lines: a line belongs to the part in
/// which it starts. A part after the first skips through its first line end (the line begun
/// before it is the previous part's); every part but the last reads on past its end, into the
/// following frames, through the first line end there. A part holding no line end at all
/// decodes nothing, and the part before it reads on through it. Every line is decoded exactly
/// once, by the decoder that would have decoded it in one pass, with the header's columns; its
/// number is the part's count plus the lines of the parts before (`SubsidyRun.combine`).
struct SplitArchive: Sendable {
    /// The parts of whole frames.
    let parts: ZstdFrameParts
    /// The header's columns, read from the start of the first part.
    let layout: CSVLayout

    /// How much content the header may take: a longer start leaves the file to one worker.
    static let headerLimit = 64 << 10

    /// The parts of `file` and its header, or `nil` when the file is not a zstd CSV archive of
    /// two parts or more, or its header is not within the first part's first 64 KiB (the file is
    /// then read in one piece, which reports any problem).
    static func plan(_ file: InputFile, partBytes: Int, localOffset: Int, reader: inout ArchiveReader)
        -> SplitArchive?
    {
        guard file.format == .csv, let parts = ZstdFrameParts.plan(file, partBytes: partBytes) else { return nil }
        var sink = HeaderSink(decoder: CSVDecoder(localOffset: localOffset))
        _ = reader.decompress(file, range: parts.parts[0], into: &sink) { $0.done }
        guard let layout = sink.decoder.layout else { return nil }
        return SplitArchive(parts: parts, layout: layout)
    }
}

/// What decoding one part of a `SplitArchive` produced.
struct DecodedPart: Sendable {
    var error: String?
    var frames = 0
    /// Rejected rows, numbered from the part's own first line (see `CSVDecoder(localOffset:after:)`).
    var rejections = RejectionTally()
    /// Lines the part decoded: the next part's lines come after them.
    var lines: Int64 = 0
    /// The earliest and latest time of the part's valid frames.
    var timeSpan: ClosedRange<Int64>?
    /// Whether its segments went into the segment store (so a failure of the file later means
    /// reading the other files again without it).
    var stored = false
}

/// Feeds a CSV decoder the start of a file one line at a time until its header is read.
private struct HeaderSink: ByteSink {
    var decoder: CSVDecoder
    private var fed = 0
    private var ignored = IgnoredFrames()

    init(decoder: CSVDecoder) { self.decoder = decoder }

    var done: Bool { decoder.layout != nil || decoder.failure != nil || fed > SplitArchive.headerLimit }

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress else { return }
        var count = bytes.count
        while !done, count > 0 {
            let end = memchr(base, 0x0A, count).map { base.distance(to: UnsafeRawPointer($0)) + 1 } ?? count
            decoder.consume(UnsafeRawBufferPointer(start: base, count: end), into: &ignored)
            fed += end
            base += end
            count -= end
        }
    }
}

/// Drops frames (the header search reads no row, but a sink is needed).
private struct IgnoredFrames: FrameSink {
    mutating func accept(_ frame: Frame) {}
}

/// One part's content → its CSV decoder, aligned on lines (see `SplitArchive`).
struct PartSink<Frames: FrameSink>: ByteSink {
    var decoder: CSVDecoder
    let frames: UnsafeMutablePointer<Frames>
    /// Still looking for the part's first line end (parts after the first).
    var skipping: Bool
    /// Reading on past the part's end, up to the first line end.
    var extending = false
    /// The line the part ends in has been read to its end.
    var complete = false

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !complete else { return }
        var start = 0
        if skipping {
            guard let found = memchr(base, 0x0A, bytes.count) else { return }
            start = base.distance(to: UnsafeRawPointer(found)) + 1
            skipping = false
        }
        var end = bytes.count
        if extending, let found = memchr(base + start, 0x0A, end - start) {
            end = base.distance(to: UnsafeRawPointer(found)) + 1
            complete = true
        }
        if end > start {
            decoder.consume(UnsafeRawBufferPointer(start: base + start, count: end - start), into: &frames.pointee)
        }
    }
}

extension SubsidyRun {
    /// Decodes part `part` of `split` (see `SplitArchive`) into `frames`; on failure the frames
    /// it gave `frames` must be dropped.
    static func decodePart<Frames: FrameSink>(
        _ part: Int, of split: SplitArchive, file: InputFile, localOffset: Int, with reader: inout ArchiveReader,
        into frames: inout Frames
    ) -> DecodedPart {
        withUnsafeMutablePointer(to: &frames) { pointer in
            let ranges = split.parts.parts
            let decoder =
                part == 0
                ? CSVDecoder(localOffset: localOffset) : CSVDecoder(localOffset: localOffset, after: split.layout)
            let firstLine = decoder.nextLine
            var sink = PartSink(decoder: decoder, frames: pointer, skipping: part > 0)
            var result = DecodedPart()
            var error = reader.decompress(file, range: ranges[part], into: &sink)
            if error == nil, !sink.skipping, part + 1 < ranges.count {
                sink.extending = true
                error = reader.decompress(
                    file, range: ranges[part].upperBound..<split.parts.size, into: &sink, until: { $0.complete })
            }
            if let error {
                result.error = error.message
                return result
            }
            // A no-op unless the file's last line has no line end.
            sink.decoder.finish(into: &pointer.pointee)
            if let failure = sink.decoder.failure {
                result.error = failure
                return result
            }
            result.frames = sink.decoder.frames
            result.rejections = sink.decoder.rejections
            result.lines = sink.decoder.nextLine - firstLine
            return result
        }
    }

    /// A split file's result from its parts (in order) and its checksum: rejected rows
    /// numbered as in the whole file, and the first failure, if any: a part's, the checksum's,
    /// or the file changing while it was read.
    static func combine(
        _ parts: [DecodedPart], of split: SplitArchive, file: InputFile,
        checksum: (stored: StoredFile?, error: ArchiveError?)
    ) -> DecodedFile {
        var result = DecodedFile()
        result.stored = checksum.stored
        var firstLine: Int64 = 1
        for (index, part) in parts.enumerated() {
            if result.error == nil, let error = part.error { result.error = error }
            let numberedFrom = index == 0 ? 1 : CSVDecoder.continuationFirstLine
            result.rejections.add(part.rejections.shifted(by: firstLine - numberedFrom))
            firstLine += part.lines
            result.frames += part.frames
            result.timeSpan = union([result.timeSpan, part.timeSpan].compactMap { $0 })
        }
        if result.error == nil, let error = checksum.error { result.error = error.message }
        if result.error == nil, checksum.stored?.bytes != split.parts.size || !split.parts.unchanged(file) {
            result.error =
                "changed while h2fleet was reading it (its size or modification time differs from when its "
                + "frames were listed); run again once the file is complete"
        }
        if result.error != nil {
            result.frames = 0
            result.rejections = RejectionTally()
            result.timeSpan = nil
        }
        return result
    }
}
