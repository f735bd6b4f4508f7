#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How the bytes of a registry file are read (SPEC 4): `--registry-encoding`.
public enum RegistryEncoding: String, Sendable, CaseIterable {
    /// UTF-8, the default (a spreadsheet's "CSV UTF-8").
    case utf8 = "utf-8"
    /// GB18030 (and so GBK, its subset): what Excel and WPS save as "CSV" on Chinese Windows.
    case gb18030
}

/// A registry file as text: decoding and the records of RFC 4180 CSV (SPEC 4).
enum RegistryText {
    /// The file's text as UTF-8 bytes, a leading U+FEFF dropped.
    /// - Throws: `RulesError` naming the first line that is not text in `encoding`. Bytes are
    ///   never replaced.
    static func decode(_ bytes: [UInt8], encoding: RegistryEncoding, file: String) throws(RulesError) -> [UInt8] {
        var text: [UInt8]
        switch encoding {
        case .utf8:
            if let bad = firstInvalidUTF8(bytes) {
                let (line, column) = position(of: bad, in: bytes)
                throw RulesError(
                    file: file, line: line,
                    "not UTF-8 text (byte 0x\(hex(bytes[bad])) at column \(column)). Excel and WPS on Chinese "
                        + "Windows save CSV files as GBK/GB18030: if the registry comes from there, run again "
                        + "with --registry-encoding gb18030 (or save it as \"CSV UTF-8\")")
            }
            text = bytes
        case .gb18030:
            switch GB18030.toUTF8(bytes) {
            case .success(let utf8):
                text = utf8
            case .failure(let failure):
                let (line, column) = position(of: failure.offset, in: bytes)
                throw RulesError(
                    file: file, line: line,
                    "not GB18030 text (--registry-encoding gb18030): \(failure.reason) at column \(column); "
                        + "without the option the file is read as UTF-8")
            }
        }
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text.removeFirst(3) }
        return text
    }

    /// The offset of the first byte that does not belong to valid UTF-8, or `nil`.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        if String(validating: bytes, as: UTF8.self) != nil { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    /// The physical line (1 + the line feeds before it) and column (in bytes, from 1) of
    /// `offset`.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        let before = bytes[..<offset]
        let line = 1 + before.count(where: { $0 == 0x0A })
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return (line, offset - lineStart + 1)
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }

    /// Text from the file as a message quotes it: control characters as `\xNN` and a backslash
    /// as `\\` (SPEC 7.2), and at most 64 characters.
    static func shown(_ text: String) -> String {
        var out = ""
        for (index, scalar) in text.unicodeScalars.enumerated() {
            if index == 64 {
                out += "…"
                break
            }
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F: out += "\\x" + hex(UInt8(scalar.value))
            case 0x5C: out += "\\\\"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One record of the file: its fields, or what is wrong with it.
    struct Record {
        /// The physical line the record starts on.
        var line: Int
        /// The fields, trimmed; empty when `problem` is set.
        var fields: [String]
        /// Why the record cannot be read (a quote left open, text after a closing quote, a lone CR).
        var problem: String?

        /// Whether every field is empty after trimming (an empty line, ignored).
        var isEmpty: Bool { problem == nil && fields.allSatisfy(\.isEmpty) }
    }

    /// The records of RFC 4180 CSV text (UTF-8 bytes), as spreadsheets write it: fields separated
    /// by commas; a field in quotes may hold commas, line ends and `""` for a quote; spaces and
    /// tabs around a field, and around a quoted field's value, are trimmed; records end in `\n`
    /// or `\r\n`. A malformed record is kept with its problem and reading goes on at the next
    /// line feed, except after a quote still open at the end of the text.
    static func records(_ text: [UInt8]) -> [Record] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        let count = text.count
        var records: [Record] = []
        var index = 0
        var line = 1
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        func field(_ bytes: ArraySlice<UInt8>) -> String {
            var start = bytes.startIndex
            var end = bytes.endIndex
            while start < end && isBlank(bytes[start]) { start += 1 }
            while end > start && isBlank(bytes[end - 1]) { end -= 1 }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }
        while index < count {
            let recordLine = line
            var fields: [String] = []
            var problem: String?
            fieldLoop: while true {
                while index < count && isBlank(text[index]) { index += 1 }
                if index < count && text[index] == quote {
                    let quoteLine = line
                    index += 1
                    var value: [UInt8] = []
                    var closed = false
                    while index < count {
                        let byte = text[index]
                        if byte == quote {
                            if index + 1 < count && text[index + 1] == quote {
                                value.append(quote)
                                index += 2
                                continue
                            }
                            index += 1
                            closed = true
                            break
                        }
                        if byte == lf { line += 1 }
                        value.append(byte)
                        index += 1
                    }
                    guard closed else {
                        records.append(
                            Record(
                                line: recordLine, fields: [],
                                problem: "the quote that opens field \(fields.count + 1) on line \(quoteLine) "
                                    + "is still open at the end of the file"))
                        return records
                    }
                    fields.append(field(value[...]))
                    while index < count && isBlank(text[index]) { index += 1 }
                    if index < count && text[index] != comma && text[index] != lf && text[index] != cr {
                        problem =
                            "text after the closing quote of field \(fields.count) (a quote inside a field is "
                            + "written \"\")"
                        break fieldLoop
                    }
                } else {
                    let start = index
                    while index < count && text[index] != comma && text[index] != lf && text[index] != cr {
                        index += 1
                    }
                    fields.append(field(text[start..<index]))
                }
                // The field ends at a comma, a line end or the end of the text.
                if index >= count { break fieldLoop }
                switch text[index] {
                case comma:
                    index += 1
                case lf:
                    index += 1
                    line += 1
                    break fieldLoop
                default:  // CR
                    if index + 1 < count && text[index + 1] == lf {
                        index += 2
                        line += 1
                        break fieldLoop
                    }
                    problem = "a carriage return (CR) not followed by a line feed, outside quotes"
                    break fieldLoop
                }
            }
            if let problem {
                // Go on at the next line.
                while index < count && text[index] != lf { index += 1 }
                if index < count {
                    index += 1
                    line += 1
                }
                records.append(Record(line: recordLine, fields: [], problem: problem))
            } else {
                records.append(Record(line: recordLine, fields: fields, problem: nil))
            }
        }
        return records
    }
}

/// GB18030 → UTF-8 through the C library's `iconv`: the one place that calls it.
enum GB18030 {
    /// Where and why decoding stopped.
    struct Failure: Error {
        /// The offset of the first byte that could not be decoded.
        var offset: Int
        /// What is wrong there.
        var reason: String
    }

    /// The bytes decoded from GB18030 and written as UTF-8. Nothing is ever replaced: the first
    /// byte sequence that is not GB18030 (or is cut off at the end) is a failure.
    static func toUTF8(_ bytes: [UInt8]) -> Result<[UInt8], Failure> {
        if bytes.isEmpty { return .success([]) }
        guard let converter = iconv_open("UTF-8", "GB18030"), converter != iconv_t(bitPattern: -1) else {
            return .failure(Failure(offset: 0, reason: "the C library cannot convert GB18030 (iconv_open failed)"))
        }
        defer { iconv_close(converter) }
        // A GB18030 character of n bytes is at most 3n/2 bytes of UTF-8 (two bytes → three).
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 16)
        var input = bytes
        var failure: Failure?
        var written = 0
        input.withUnsafeMutableBytes { inputBuffer in
            output.withUnsafeMutableBytes { outputBuffer in
                var inPointer = inputBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inLeft = inputBuffer.count
                var outPointer = outputBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outLeft = outputBuffer.count
                if iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) == -1 {
                    let offset = inputBuffer.count - inLeft
                    switch errno {
                    case EILSEQ:
                        let shown = bytes[offset..<min(offset + 4, bytes.count)].map { "0x" + RegistryText.hex($0) }
                        failure = Failure(
                            offset: offset,
                            reason: "the bytes \(shown.joined(separator: " ")) are not a GB18030 character")
                    case EINVAL:
                        failure = Failure(offset: offset, reason: "the file ends inside a character")
                    default:
                        failure = Failure(offset: offset, reason: "iconv failed (errno \(errno))")
                    }
                }
                written = outputBuffer.count - outLeft
            }
        }
        if let failure { return .failure(failure) }
        output.removeSubrange(written...)
        // iconv writes UTF-8; make sure, so no byte reaches a report unchecked.
        if let bad = RegistryText.firstInvalidUTF8(output) {
            return .failure(Failure(offset: 0, reason: "iconv wrote invalid UTF-8 at byte \(bad)"))
        }
        return .success(output)
    }
}
