// swift-tools-version: 6.2
// libFuzzer targets for h2fleet's byte-level code. Built and run by tools/fuzz.sh, which adds
// -sanitize=fuzzer,address; a plain `swift build` here is not meant to link.
import Foundation
import PackageDescription

/// The main package is two folders up; SwiftPM names a path dependency after its folder.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "h2fleet-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        // libFuzzer's driver entry, shared by the fuzz targets.
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "FuzzCSV",
            dependencies: ["FuzzDriver", .product(name: "H2fleetStages", package: mainPackage)]
        ),
        .executableTarget(
            name: "FuzzArchive",
            dependencies: ["FuzzDriver", .product(name: "H2fleetStages", package: mainPackage)]
        ),
        .executableTarget(
            name: "FuzzTimestamp",
            dependencies: ["FuzzDriver", .product(name: "H2fleetStages", package: mainPackage)]
        ),
        .executableTarget(
            name: "FuzzRegistry",
            dependencies: ["FuzzDriver", .product(name: "H2fleetStages", package: mainPackage)]
        ),
    ]
)
