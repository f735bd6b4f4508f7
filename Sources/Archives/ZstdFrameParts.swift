#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A zstd archive of several frames (as `pzstd` writes them, or archives joined with `cat`),
/// cut into parts of whole frames: each part decompresses on its own, so several workers can
/// read one large archive at once (SPEC 2.2: the frames of a stream are independent).
///
/// Made by walking the frame and block headers (RFC 8878), reading a few bytes per block and no
/// content. `zstd -T0` writes one frame whatever its size: such an archive has one part.
public struct ZstdFrameParts: Sendable, Equatable {
    /// Byte ranges of the archive as stored, in order, together the whole file; each holds
    /// whole frames.
    public let parts: [Range<Int64>]
    /// The archive's size as stored.
    public let size: Int64
    /// What identifies the file's version: a file changed after the walk is seen by `unchanged`.
    private let identity: FileIdentity

    /// Walks `file`'s frames and groups them into parts of at least `partBytes` bytes.
    /// - Returns: `nil` when the file is not a zstd archive of two parts or more, or when
    ///   anything is unexpected (unreadable, a header the walk does not know, a frame running
    ///   past the end); the caller then streams the file, which reports any failure precisely.
    public static func plan(_ file: InputFile, partBytes: Int) -> ZstdFrameParts? {
        guard file.compression == .zstd, file.problem == nil else { return nil }
        let descriptor = open(file.fileSystemPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard let identity = FileIdentity(descriptor) else { return nil }
        var walker = FrameWalker(descriptor: descriptor, size: identity.size)
        var parts: [Range<Int64>] = []
        var partStart: Int64 = 0
        var position: Int64 = 0
        while position < identity.size {
            guard let (end, skippable) = walker.frame(at: position) else { return nil }
            position = end
            // A skippable frame (`pzstd` writes its index of the next frame in one) stays with
            // the frame after it.
            if !skippable, position - partStart >= Int64(partBytes) {
                parts.append(partStart..<position)
                partStart = position
            }
        }
        if partStart < position {
            // A short last part joins the one before.
            if let last = parts.popLast() {
                parts.append(last.lowerBound..<position)
            } else {
                parts.append(partStart..<position)
            }
        }
        guard parts.count >= 2 else { return nil }
        return ZstdFrameParts(parts: parts, size: identity.size, identity: identity)
    }

    /// Whether `file` is still the file that was walked (same inode, size and modification
    /// time): checked after its parts are read, so that a file rewritten under the run fails
    /// instead of mixing two versions.
    public func unchanged(_ file: InputFile) -> Bool {
        let descriptor = open(file.fileSystemPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return FileIdentity(descriptor) == identity
    }
}

/// Device, inode, size and modification time of an open file.
private struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    init?(_ descriptor: Int32) {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modifiedSeconds = Int(status.st_mtim.tv_sec)
        modifiedNanoseconds = Int(status.st_mtim.tv_nsec)
    }
}

/// Reads the headers of a zstd stream's frames and blocks (RFC 8878, sections 3.1.1 and 3.1.2)
/// through a small window of the file.
private struct FrameWalker {
    let descriptor: Int32
    let size: Int64
    private var window = [UInt8](repeating: 0, count: 4096)
    private var windowStart: Int64 = -1
    private var windowCount = 0

    init(descriptor: Int32, size: Int64) {
        self.descriptor = descriptor
        self.size = size
    }

    /// The little-endian integer of `count` bytes (1 to 4) at `offset`; `nil` past the end.
    private mutating func value(at offset: Int64, count: Int) -> UInt32? {
        guard offset >= 0, offset + Int64(count) <= size else { return nil }
        if offset < windowStart || offset + Int64(count) > windowStart + Int64(windowCount) {
            let read = window.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
            }
            guard read >= count else { return nil }
            windowStart = offset
            windowCount = read
        }
        let start = Int(offset - windowStart)
        var result: UInt32 = 0
        for index in (0..<count).reversed() { result = result << 8 | UInt32(window[start + index]) }
        return result
    }

    /// Where the frame starting at `start` ends and whether it is a skippable frame; `nil` for
    /// anything but a whole zstd or skippable frame.
    mutating func frame(at start: Int64) -> (end: Int64, skippable: Bool)? {
        guard let magic = value(at: start, count: 4) else { return nil }
        if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            guard let length = value(at: start + 4, count: 4) else { return nil }
            let end = start + 8 + Int64(length)
            return end <= size ? (end, true) : nil
        }
        guard magic == 0xFD2F_B528, let descriptorByte = value(at: start + 4, count: 1) else { return nil }
        let contentSizeFlag = descriptorByte >> 6
        let singleSegment = descriptorByte >> 5 & 1 == 1
        let reserved = descriptorByte >> 3 & 1
        let hasChecksum = descriptorByte >> 2 & 1 == 1
        let dictionaryBytes: Int64 = [0, 1, 2, 4][Int(descriptorByte & 3)]
        guard reserved == 0 else { return nil }
        let contentSizeBytes: Int64 = [singleSegment ? 1 : 0, 2, 4, 8][Int(contentSizeFlag)]
        var position = start + 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes
        while true {
            guard let header = value(at: position, count: 3) else { return nil }
            let last = header & 1 == 1
            let type = header >> 1 & 3
            let blockSize = Int64(header >> 3)
            guard type != 3 else { return nil }
            position += 3 + (type == 1 ? 1 : blockSize)
            if last { break }
        }
        if hasChecksum { position += 4 }
        return position <= size ? (position, false) : nil
    }
}
