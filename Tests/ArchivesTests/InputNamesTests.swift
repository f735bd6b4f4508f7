import Archives
import Foundation
import TestSupport
import Testing

// SPEC 2.2, 9.1: telemetry names end in `.csv`, `.gbt32960` or `.gbt32960.hex`, optionally
// followed by `.zst` or `.gz`, in any letter case; other files in directories are skipped.
@Suite("Input names and discovery (SPEC 2.2)")
struct InputNamesTests {
    @Test(
        "compression and format are picked by name, in any letter case",
        arguments: [
            ("DAY.CSV.ZST", Compression.zstd, InputFormat.csv),
            ("x.Csv", .none, .csv),
            ("a.csv.gz", .gzip, .csv),
            ("a.csv.GZ", .gzip, .csv),
            ("c.GBT32960", .none, .gbt32960),
            ("c.gbt32960.Zst", .zstd, .gbt32960),
            ("d.gbt32960.HEX.Gz", .gzip, .gbt32960Hex),
            ("e.Gbt32960.Hex", .none, .gbt32960Hex),
            ("dir.GZ/f.txt", .none, .csv),
            ("f.txt.gz", .gzip, .csv),
        ])
    func classification(_ name: String, _ compression: Compression, _ format: InputFormat) {
        let file = InputFile(path: name, fileSystemPath: "/data/" + name)
        #expect(file.compression == compression)
        #expect(file.format == format)
    }

    @Test(
        "telemetry names inside directories",
        arguments: [
            ("DAY.CSV.ZST", true), ("x.Csv", true), ("a.csv.gz", true), ("b.CSV.GZ", true), ("c.GBT32960", true),
            ("d.gbt32960.hex.zst", true), ("e.Gbt32960.HEX", true), ("f.gbt32960.gz", true),
            (".hidden.csv", false), ("notes.txt", false), ("x.csv.xz", false), ("x.csvx", false),
            ("x.gz", false), ("x.zst", false), ("csv", false), ("x.hex", false), ("x.csv.zst.gz", false),
        ])
    func telemetryNames(_ name: String, _ isTelemetry: Bool) {
        #expect(InputFile.isTelemetryName(name) == isTelemetry)
    }

    @Test(
        "archive kinds that are not read, also before .zst or .gz, in any letter case",
        arguments: [
            ("d.zip", ".zip"), ("D.ZIP", ".zip"), ("a.7z", ".7z"), ("a.rar", ".rar"), ("x.csv.xz", ".xz"),
            ("a.bz2", ".bz2"), ("a.lz4", ".lz4"), ("a.LZMA", ".lzma"), ("a.br", ".br"), ("a.tar", ".tar"),
            ("a.tgz", ".tgz"), ("y.tar.gz", ".tar.gz"), ("y.TAR.ZST", ".tar.zst"), ("z.zip.gz", ".zip.gz"),
        ])
    func unsupported(_ name: String, _ ending: String) {
        #expect(InputFile.unsupportedCompression(of: name) == ending)
    }

    @Test(
        "names that are no archive of another kind",
        arguments: ["notes.txt", "x.csv.gz", "x.csv.zst", "x.gz", "zip", "x.tarx", "x.zip.csv", "x.br.txt"])
    func supported(_ name: String) {
        #expect(InputFile.unsupportedCompression(of: name) == nil)
    }

    @Test("a directory yields telemetry names in any case and lists every other file with its reason")
    func directory() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = [
            "B.CSV.ZST", "a.csv.gz", "c.Csv", "sub/D.GBT32960", "sub/e.gbt32960.Hex.GZ", "sub/f.csv",
        ]
        let unsupported = [
            "d.zip", "e.csv.xz", "y.tar.gz", "g.7z", "h.RAR", "i.bz2", "j.lz4", "k.lzma", "l.br", "m.tar",
            "n.TGZ", "sub/o.zip.zst",
        ]
        let other = ["notes.txt", "sub/readme.md", "x.gz", "y.zst", "Makefile"]
        let hidden = [".hidden", ".hidden.zip", ".h.csv", ".dir/a.csv", ".dir/b.zip", "sub/.x.txt"]
        for name in telemetry + unsupported + other + hidden { folder.write(name, "") }
        try FileManager.default.createSymbolicLink(atPath: folder.path("loop"), withDestinationPath: folder.url.path)
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("link.txt"), withDestinationPath: folder.path("notes.txt"))
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("link.CSV"), withDestinationPath: folder.path("c.Csv"))
        let root = folder.url.path
        let found = try InputDiscovery.discover([root])
        let sorted = { (paths: [String]) in paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        #expect(found.files.map(\.path) == sorted((telemetry + ["link.CSV"]).map { root + "/" + $0 }))
        #expect(found.files.allSatisfy { $0.problem == nil })
        let expected =
            unsupported.map { SkippedFile(path: root + "/" + $0, reason: .unsupportedCompression) }
            + (other + ["link.txt"]).map { SkippedFile(path: root + "/" + $0, reason: .notTelemetry) }
        #expect(found.skipped == expected.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) })
        #expect(found.emptyDirectories.isEmpty)
    }

    @Test("a path is skipped once, and not when it is also named directly (then it is read)")
    func skippedOnce() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("in/a.csv", "")
        folder.write("in/notes.txt", "")
        folder.write("in/d.zip", "")
        let dir = folder.path("in")
        let found = try InputDiscovery.discover([dir, dir + "/", dir + "/notes.txt", dir])
        #expect(found.files.map(\.path) == [dir + "/a.csv", dir + "/notes.txt"])
        #expect(found.files.allSatisfy { $0.problem == nil })
        #expect(found.skipped == [SkippedFile(path: dir + "/d.zip", reason: .unsupportedCompression)])
    }

    @Test(
        "an archive of another kind named on the command line is a failed input saying why",
        arguments: [
            ("d.zip", "unsupported compression: .zip archives are not read; extract the files first"),
            ("Y.Tar.Gz", "unsupported compression: .tar.gz archives are not read; extract the files first"),
            (
                "x.csv.xz",
                "unsupported compression: .xz files are not read; decompress them first, or compress them with zstd or gzip"
            ),
        ])
    func namedArchive(_ name: String, _ message: String) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let path = folder.write(name, "vin,ts,odometer_km,fc_current_a\n")
        let found = try InputDiscovery.discover([path])
        #expect(found.files.map(\.path) == [path])
        #expect(found.skipped.isEmpty)
        let file = try #require(found.files.first)
        #expect(file.problem?.code == .unsupportedCompression)
        var reader = ArchiveReader()
        var sink = Collect()
        let (stored, error) = reader.read(file, into: &sink)
        #expect(stored == nil)
        #expect(error == ArchiveError(.unsupportedCompression, message, path: path))
        #expect(sink.bytes.isEmpty)
    }

    @Test("any other file named on the command line is read whatever its name")
    func namedFile() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let text = "vin,ts,odometer_km,fc_current_a\n"
        let plain = folder.write("export.txt", text)
        let gzip = folder.write("export.TXT.GZ", bytes: try gzipCompress(Array(text.utf8)))
        let found = try InputDiscovery.discover([plain, gzip])
        #expect(found.files.map(\.path) == [gzip, plain])
        for file in found.files {
            #expect(file.problem == nil)
            #expect(readFile(file.path).bytes == Array(text.utf8), "\(file.path)")
        }
    }

    @Test("directory arguments with no file to read are reported as empty")
    func emptyDirectories() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path("empty"), withIntermediateDirectories: true)
        folder.write("zips/a.zip", "")
        folder.write("zips/notes.txt", "")
        folder.write("hidden/.a.csv", "")
        folder.write("deep/x/y/z.csv", "")
        folder.write("telemetry/a.csv", "")
        // A directory is reported as given, trailing slash included.
        let arguments = ["empty", "zips", "hidden", "deep", "telemetry"].map {
            folder.path($0) + ($0 == "zips" ? "/" : "")
        }
        let found = try InputDiscovery.discover(arguments + [folder.path("zips/a.zip")])
        #expect(found.emptyDirectories == [folder.path("empty"), folder.path("hidden"), folder.path("zips") + "/"])
        #expect(
            found.files.map(\.path) == [
                folder.path("deep/x/y/z.csv"), folder.path("telemetry/a.csv"), folder.path("zips/a.zip"),
            ])
        #expect(found.skipped.map(\.path) == [folder.path("zips/notes.txt")])
    }
}
