// swift-tools-version: 6.2
import PackageDescription

/// Our own targets: Swift 6 mode, warnings are errors (dependencies are not affected).
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "h2fleet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "h2fleet", targets: ["h2fleet"]),
        .executable(name: "fleetgen", targets: ["fleetgen"]),
        .library(name: "Engine", targets: ["Engine"]),
        // The stage modules, for the benchmarks package (benchmarks/) and other tools.
        .library(
            name: "H2fleetStages",
            targets: ["Archives", "Frames", "Timelines", "Figures", "Merging", "Rules", "Subsidy", "Reports", "Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // The doors to C: only `Archives` imports them.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // gzip (zlib).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // SHA-256 from OpenSSL's libcrypto (EVP interface).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // libxlsxwriter, for the report's workbook: only `Workbook` imports it.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]
        ),
        // Stage 1: input files → decompressed bytes (directory walk, zstd and gzip streaming, SHA-256).
        .target(
            name: "Archives",
            dependencies: ["CZstd", "CZlib", "COpenSSL"],
            swiftSettings: strict
        ),
        // Stage 2: bytes → frames (CSV decoder, timestamps, decimals, rejections).
        .target(name: "Frames", swiftSettings: strict),
        // Stage 3: frames → per-vehicle timelines (dedup, interval classes).
        .target(name: "Timelines", dependencies: ["Frames"], swiftSettings: strict),
        // Stage 4: timelines → figures for one year (periods in the policy's zone).
        .target(name: "Figures", dependencies: ["Timelines"], swiftSettings: strict),
        // Policy (TOML) and registry (CSV): the rules a run is judged by.
        .target(
            name: "Rules",
            dependencies: ["Frames", "Timelines", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict,
            // GB18030 registries are decoded with iconv: in glibc on Linux, libiconv on macOS.
            linkerSettings: [.linkedLibrary("iconv", .when(platforms: [.macOS]))]
        ),
        // Stage 5: figures + rules → vehicle and operator subsidies.
        .target(name: "Subsidy", dependencies: ["Figures", "Rules"], swiftSettings: strict),
        // Stage 6: the report: JSON, CSV files, summary table, HTML report and statements, workbook.
        // The HTML report and statements come from Mustache templates.
        .target(
            name: "Reports",
            dependencies: ["Subsidy", "Archives", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: strict
        ),
        // The report as an Excel workbook (report.xlsx), through libxlsxwriter.
        .target(name: "Workbook", dependencies: ["Reports", "CXlsxWriter"], swiftSettings: strict),
        // Per-vehicle merges where segments overlap: the segment store, exact merges of the
        // overlapping stretches from a source of window frames, and spilling beyond the budget.
        .target(name: "Merging", dependencies: ["Frames", "Timelines", "Figures"], swiftSettings: strict),
        // Wires the stages together, in parallel with Dispatch.
        .target(
            name: "Engine",
            dependencies: ["Archives", "Frames", "Timelines", "Figures", "Merging", "Rules", "Subsidy", "Reports"],
            swiftSettings: strict
        ),
        // The ledger (SPEC 10): archives and partial results in SQLite, through GRDB.
        .target(
            name: "Ledger",
            dependencies: [
                "Engine", "Archives", "Frames", "Merging", "Reports", "Rules", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The upload service (SPEC 11): HTTP API and pages over the ledger, through Hummingbird.
        .target(
            name: "Service",
            dependencies: [
                "Ledger", "Engine", "Archives", "Frames", "Reports", "Rules",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),
        // Thin executable: argument parsing and exit codes only.
        .executableTarget(
            name: "h2fleet",
            dependencies: [
                "Engine", "Ledger", "Merging", "Service", "Workbook",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Helpers shared by the test targets (fixtures, temporary folders, running the CLI).
        // The synthetic-fleet generator for benchmarks, tests and demos (tools/fleetgen).
        .executableTarget(name: "fleetgen", dependencies: ["Frames"], path: "tools/fleetgen", swiftSettings: strict),
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(
            name: "ArchivesTests",
            dependencies: ["Archives", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FramesTests",
            dependencies: ["Frames", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TimelinesTests",
            dependencies: ["Timelines", "Figures", "Frames", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RulesTests",
            dependencies: ["Rules", "Subsidy", "Figures", "Reports", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "Archives", "Figures", "Frames", "Merging", "Reports", "Timelines", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["h2fleet", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
