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

/// What decoding one file produced.
struct DecodedFile: Sendable {
    var stored: StoredFile?
    var error: String?
    var frames = 0
    var rejections = RejectionTally()
    var skippedByCommand: [UInt8: Int] = [:]
    var validByCommand: [UInt8: Int] = [:]
    var revisions: [Int: Int] = [:]
    /// The earliest and latest time of the file's valid frames, whatever their year.
    var timeSpan: ClosedRange<Int64>?
}

/// Bytes of one file → its format's decoder → the caller's frame sink, which it points to only
/// while `SubsidyRun.decode` runs.
struct DecodingSink<Decoder: TelemetryDecoder, Frames: FrameSink>: ByteSink {
    var decoder: Decoder
    let frames: UnsafeMutablePointer<Frames>

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        decoder.consume(bytes, into: &frames.pointee)
    }
}

extension SubsidyRun {
    /// Reads and decodes one file into `frames` with the decoder its format needs (SPEC 2.2);
    /// on failure the frames it gave `frames` must be dropped.
    static func decode<Frames: FrameSink>(
        _ file: InputFile, with reader: inout ArchiveReader, into frames: inout Frames,
        localOffset: Int, readAhead: Bool = false, copy: ArchiveCopy? = nil
    ) -> DecodedFile {
        switch file.format {
        case .csv:
            decode(file, CSVDecoder(localOffset: localOffset), with: &reader, into: &frames, readAhead: readAhead, copy: copy)
        case .gbt32960:
            decode(file, CaptureDecoder(), with: &reader, into: &frames, readAhead: readAhead, copy: copy)
        case .gbt32960Hex:
            decode(file, HexCaptureDecoder(), with: &reader, into: &frames, readAhead: readAhead, copy: copy)
        }
    }

    static func decode<Decoder: TelemetryDecoder, Frames: FrameSink>(
        _ file: InputFile, _ decoder: Decoder, with reader: inout ArchiveReader, into frames: inout Frames,
        readAhead: Bool, copy: ArchiveCopy?
    ) -> DecodedFile {
        withUnsafeMutablePointer(to: &frames) { pointer in
            var sink = DecodingSink(decoder: decoder, frames: pointer)
            var result = DecodedFile()
            // A copy is written by the worker's own reader.
            let (stored, error) =
                readAhead && copy == nil ? ReadAhead.read(file, into: &sink) : reader.read(file, into: &sink, copy: copy)
            result.stored = stored
            if let error {
                result.error = error.message
                return result
            }
            sink.decoder.finish(into: &pointer.pointee)
            if let failure = sink.decoder.failure {
                result.error = failure
                return result
            }
            result.frames = sink.decoder.frames
            result.rejections = sink.decoder.rejections
            result.skippedByCommand = sink.decoder.skippedByCommand
            result.validByCommand = sink.decoder.validByCommand
            result.revisions = sink.decoder.revisions
            return result
        }
    }
}
