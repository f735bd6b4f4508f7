import Foundation
import TestSupport
import Testing

/// The reports for people: `report.html`, the operators' statements and `report.xlsx`, read back
/// as a person's tools read them (Chromium, openpyxl, LibreOffice), in Chinese and English; and
/// the language of everything a person reads.
@Suite("Reports for people: HTML, statements, workbook, languages")
struct ReportsForPeopleTests {
    static let samples = TestPaths.packageRoot.appendingPathComponent("samples")

    /// `subsidy` on the bundled samples, writing into `out`, with `arguments` added.
    static func subsidy(_ out: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try runH2fleet(
            ["subsidy", "--registry", "registry.csv", "--year", "2025", "--out", out] + arguments + ["telemetry"],
            in: samples, environment: environment)
    }

    @Test(
        "report.html and each statement in Chromium equal report.json; the workbook read back equals the CSV files",
        arguments: ["zh", "en"])
    func readBack(_ language: String) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let result = try Self.subsidy(folder.path("out"), ["--lang", language])
        #expect(result.status == 0, "\(result.stderr)")
        let screenshots = folder.path("shots")
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let (status, text) = try runCheckScript(
            ["python3", "tools/report-check.py", folder.path("out"), language], environment: ["SCREENSHOT_DIR": screenshots])
        #expect(status == 0, "\(text)")
        for name in ["report-\(language).png", "report-phone-\(language).png", "statement-\(language).png"] {
            #expect(FileManager.default.fileExists(atPath: folder.path("shots/\(name)")), "no screenshot \(name)")
        }
        let (workbookStatus, workbookText) = try runCheckScript(["python3", "tools/workbook-check.py", folder.path("out"), language])
        #expect(workbookStatus == 0, "\(workbookText)")
    }

    // SPEC 7.2: text from inputs is inert in every output; HTML escapes as HTML.
    @Test("names, plates and file names stay text in report.html, the statements and the workbook")
    func craftedRegistry() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let crafted = "<img src=x onerror=alert(1)>"
        var registry = try String(contentsOf: Self.samples.appendingPathComponent("registry.csv"), encoding: .utf8)
        registry = registry.replacingOccurrences(of: "北京氢链物流", with: "\"\(crafted)\"")
        registry = registry.replacingOccurrences(of: "京A·H0001", with: "=HYPERLINK(\"\"http://x\"\")")
        // A workbook reads _xHHHH_ in a string as a character: this plate must stay as written.
        registry = registry.replacingOccurrences(of: "京A·H0002", with: "_x0041_")
        // A control character (ESC) in a name: never carried into any output (SPEC 7.2).
        registry = registry.replacingOccurrences(of: "大兴公交", with: "大兴\u{1B}[2J公交")
        folder.write("registry.csv", registry)
        // A file name with a quote and a combining mark (one Swift character that is not a quote).
        let day = try Data(contentsOf: Self.samples.appendingPathComponent("telemetry/dxbus/2025-03-10.csv.zst"))
        let name = "x\"\u{301} onmouseover=alert(2) y=.csv.zst"
        folder.write("crafted/\(name)", bytes: [UInt8](day))
        let result = try runH2fleet(
            [
                "subsidy", "--registry", folder.path("registry.csv"), "--year", "2025", "--out", folder.path("out"), "--lang", "en",
                "telemetry", folder.path("crafted"),
            ], in: Self.samples)
        #expect(result.status == 0, "\(result.stderr)")
        let (status, text) = try runCheckScript(["python3", "tools/report-check.py", folder.path("out"), "en", crafted])
        #expect(status == 0, "\(text)")
        // The workbook check fails on any formula cell and compares every cell with the CSV,
        // where the plate is made inert with a leading quote.
        let (workbookStatus, workbookText) = try runCheckScript(["python3", "tools/workbook-check.py", folder.path("out"), "en"])
        #expect(workbookStatus == 0, "\(workbookText)")
        let html = try String(contentsOfFile: folder.path("out/report.html"), encoding: .utf8)
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;") && !html.contains(crafted))
        #expect(html.contains("大兴\\x1B[2J公交") && !html.unicodeScalars.contains("\u{1B}"))
        #expect(html.contains("x&quot;\u{301} onmouseover=alert(2)"))
    }

    @Test("--lang, else LC_ALL, LC_MESSAGES or LANG, chooses the language of the table and warnings; files stay the same")
    func languageChoice() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let chinese = try Self.subsidy(folder.path("zh"), [], environment: ["LANG": "zh_CN.UTF-8"])
        let english = try Self.subsidy(folder.path("en"), [], environment: ["LANG": "en_US.UTF-8"])
        let forced = try Self.subsidy(folder.path("forced"), ["--lang", "en"], environment: ["LANG": "zh_CN.UTF-8"])
        let overridden = try Self.subsidy(folder.path("all"), [], environment: ["LANG": "zh_CN.UTF-8", "LC_ALL": "C.UTF-8"])
        #expect(chinese.stdout.contains("运营单位") && chinese.stdout.contains("合计") && chinese.stdout.contains("提示："))
        #expect(chinese.stderr.contains("数据只覆盖"), "warnings on standard error in Chinese: \(chinese.stderr)")
        #expect(english.stdout.contains("operator") && english.stdout.contains("TOTAL") && !english.stdout.contains("合计"))
        #expect(forced.stdout == english.stdout)
        #expect(overridden.stdout == english.stdout)
        // The figures are the same in both: each operator's line has the same numbers.
        let numbers = { (text: String) in text.matches(of: /\d+\.\d+/).map { String($0.output) } }
        #expect(numbers(chinese.stdout) == numbers(english.stdout))
        // Machine outputs do not change with the language.
        for name in ["report.json", "vehicles.csv", "operators.csv", "rejections.csv"] {
            let zh = try Data(contentsOf: URL(fileURLWithPath: folder.path("zh/\(name)")))
            let en = try Data(contentsOf: URL(fileURLWithPath: folder.path("en/\(name)")))
            #expect(zh == en, "\(name) changed with the language")
        }
        let html = try String(contentsOfFile: folder.path("zh/report.html"), encoding: .utf8)
        #expect(html.contains("<html lang=\"zh-CN\">") && html.contains("氢燃料电池汽车运营补贴报告"))
    }

    @Test("check and explain speak Chinese with --lang zh; a statement shows explain's arithmetic for each vehicle")
    func checkAndExplain() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let check = try runH2fleet(["check", "--lang", "zh", "telemetry/bjhl"], in: Self.samples)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("h2fleet 数据检查") && check.stdout.contains("车辆：") && check.stdout.contains("氢能"))
        let checkEnglish = try runH2fleet(["check", "--lang", "en", "telemetry/bjhl"], in: Self.samples)
        #expect(checkEnglish.stdout.contains("Vehicles: ") && !checkEnglish.stdout.contains("车辆"))
        let vin = "LZYHT000000000001"
        let explain = try runH2fleet(
            ["explain", "--registry", "registry.csv", "--year", "2025", "--vin", vin, "--lang", "zh", "telemetry"], in: Self.samples)
        #expect(explain.status == 0, "\(explain.stderr)")
        #expect(explain.stdout.contains("补贴计算") && explain.stdout.contains("按区间结束时间所在月份的里程"))
        // explain's steps 2 and 3 are the statement's lines for the vehicle, from one implementation.
        let steps = explain.stdout.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("2. ") || trimmed.hasPrefix("3. ") else { return nil }
            return String(trimmed.dropFirst(3))
        }
        #expect(steps.count == 2, "\(explain.stdout)")
        let result = try Self.subsidy(folder.path("out"), ["--lang", "zh"])
        #expect(result.status == 0)
        let statement = try String(contentsOfFile: folder.path("out/statements/bjhl.html"), encoding: .utf8)
        let after = try #require(statement.components(separatedBy: "data-vin=\"\(vin)\"").dropFirst().first)
        let row = try #require(after.components(separatedBy: "</tr>").first)
        for step in steps { #expect(row.contains("<li>\(step)</li>"), "statement lacks \(step)") }
    }
}
