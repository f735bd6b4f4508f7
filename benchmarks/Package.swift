// swift-tools-version: 6.1
// Micro-benchmarks of h2fleet's hot paths, kept out of the main package graph.
// Run from this folder: swift package benchmark
// CI smoke (allocations only, deterministic): swift package benchmark thresholds check --filter SmokeAllocations
import Foundation
import PackageDescription

/// The main package is the parent folder; SwiftPM names a path dependency after its folder.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "h2fleet-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "H2fleetBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "H2fleetStages", package: mainPackage),
            ],
            path: "Benchmarks/H2fleetBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
