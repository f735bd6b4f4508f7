import Foundation

/// Paths of the package, its fixtures and the built `h2fleet` binary.
public enum TestPaths {
    /// The package's root folder.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `Tests/Fixtures`.
    public static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// The conformance suite copied from `../shared/conformance`.
    public static let conformance = fixtures.appendingPathComponent("conformance")

    /// The GB/T 32960 conformance suite copied from `../shared/conformance-gbt32960`.
    public static let captureConformance = fixtures.appendingPathComponent("conformance-gbt32960")

    /// The `h2fleet` executable built alongside the tests.
    public static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["H2FLEET_BIN"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            let dir = URL(fileURLWithPath: first).deletingLastPathComponent()
            candidates.append(dir.appendingPathComponent("h2fleet"))
            candidates.append(dir.deletingLastPathComponent().appendingPathComponent("h2fleet"))
        }
        for configuration in ["debug", "release"] {
            candidates.append(packageRoot.appendingPathComponent(".build/\(configuration)/h2fleet"))
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()
}

/// A temporary folder, removed when `remove()` is called.
public struct TemporaryFolder: Sendable {
    /// The folder.
    public let url: URL

    /// Creates a new empty folder under the system's temporary directory.
    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("h2fleet-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name` (creating parent folders) and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to `name` (creating parent folders) and returns its path.
    @discardableResult
    public func write(_ name: String, bytes: [UInt8]) -> String {
        let file = url.appendingPathComponent(name)
        try? FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(bytes))
        return file.path
    }

    /// Removes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The result of running a program.
public struct ProcessResult: Sendable {
    /// Exit status.
    public var status: Int32
    /// Standard output.
    public var stdout: String
    /// Standard error.
    public var stderr: String
}

/// Runs `executable` with `arguments` in `directory` and waits for it. The environment is the
/// test's, in the C.UTF-8 locale (so messages are in English) unless `environment` sets the
/// locale variables; `environment` is added last.
public func runProcess(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var variables = ProcessInfo.processInfo.environment.filter { !["LC_ALL", "LC_MESSAGES", "LANG"].contains($0.key) }
    variables["LANG"] = "C.UTF-8"
    process.environment = variables.merging(environment) { _, given in given }
    let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("h2fleet-out-\(UUID().uuidString)")
    let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("h2fleet-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
    }
    process.standardOutput = try FileHandle(forWritingTo: outFile)
    process.standardError = try FileHandle(forWritingTo: errFile)
    try process.run()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: (try? Data(contentsOf: outFile)) ?? Data(), as: UTF8.self),
        stderr: String(decoding: (try? Data(contentsOf: errFile)) ?? Data(), as: UTF8.self))
}

/// Runs the built `h2fleet` with `arguments` in `directory`, with `environment` added.
public func runH2fleet(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]
) throws -> ProcessResult {
    try runProcess(TestPaths.binary, arguments, in: directory, environment: environment)
}

/// Runs a check script of `tools/` (from the package root) on the `h2fleet` under test
/// (`H2FLEET_BIN`), with `environment` added; its status and its output, both streams together.
public func runCheckScript(_ command: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = command
    process.currentDirectoryURL = TestPaths.packageRoot
    process.environment = ProcessInfo.processInfo.environment.merging(
        environment.merging(["H2FLEET_BIN": TestPaths.binary.path]) { mine, _ in mine }
    ) { _, mine in mine }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, text)
}

/// Compresses `bytes` with the `zstd` command-line tool (as operators' archives are written).
public func zstdCompress(_ bytes: [UInt8], extraArguments: [String] = []) throws -> [UInt8] {
    let folder = TemporaryFolder()
    defer { folder.remove() }
    let input = folder.write("in", bytes: bytes)
    let result = try runProcess(
        URL(fileURLWithPath: "/usr/bin/env"), ["zstd", "-q", "-f"] + extraArguments + [input, "-o", input + ".zst"])
    guard result.status == 0 else { throw CocoaError(.fileWriteUnknown) }
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: input + ".zst")))
}

/// Compresses `bytes` with the `gzip` command-line tool: one member (`cat a.gz b.gz` makes more).
public func gzipCompress(_ bytes: [UInt8]) throws -> [UInt8] {
    let folder = TemporaryFolder()
    defer { folder.remove() }
    let input = folder.write("in", bytes: bytes)
    let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["gzip", "-q", "-n", "-f", input])
    guard result.status == 0 else { throw CocoaError(.fileWriteUnknown) }
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: input + ".gz")))
}
