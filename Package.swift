// swift-tools-version: 6.0
import PackageDescription

// The numeric targets are compiled with optimization even in debug builds: the test suite runs
// real models, and unoptimized SIMD code is two orders of magnitude slower.
// On x86-64 the SIMD kernels are compiled for Haswell (AVX2, FMA: every x86 server CPU since 2015).
#if arch(x86_64)
let optimized: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]
#else
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"])]
#endif

let package = Package(
    name: "SwiftQuant",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swiftquant", targets: ["SwiftQuantCLI"]),
        .library(name: "SwiftQuant", targets: ["JSON", "Tensors", "Safetensors", "Tokenizers", "Models", "Evaluation", "Quantization", "Algorithms", "Formats", "Recipes", "Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // oneDNN's bf16 matmul (libdnnl-dev), used when the CPU has native bf16 (AMX, AVX-512 BF16).
        .target(name: "CDNNL", path: "Sources/CDNNL", cSettings: [.unsafeFlags(["-O2"])],
                linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("dl")]),
        .target(name: "JSON", swiftSettings: optimized),
        .target(name: "Tensors", dependencies: ["CBLAS", "CDNNL"], swiftSettings: optimized),
        .target(name: "Safetensors", dependencies: ["JSON", "Tensors"], swiftSettings: optimized),
        .target(name: "Tokenizers", dependencies: ["JSON"], swiftSettings: optimized),
        .target(name: "Models", dependencies: ["JSON", "Tensors", "Safetensors", "Tokenizers"], swiftSettings: optimized),
        .target(name: "Evaluation", dependencies: ["Models", "Tensors", "Tokenizers"], swiftSettings: optimized),
        .target(name: "Quantization", dependencies: ["Tensors"], swiftSettings: optimized),
        .target(name: "Formats", dependencies: ["JSON", "Quantization", "Safetensors", "Tensors", "Models"], swiftSettings: optimized),
        .target(name: "Algorithms", dependencies: ["Models", "Quantization", "Tensors", "CBLAS"], swiftSettings: optimized),
        .target(name: "Pipeline", dependencies: ["JSON", "Algorithms", "Models", "Quantization", "Formats", "Safetensors", "Tensors", "Tokenizers"], swiftSettings: optimized),
        .target(name: "Recipes", dependencies: ["Quantization", "Formats", .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "SwiftQuantCLI",
            dependencies: [
                "JSON", "Models", "Evaluation", "Safetensors", "Tokenizers", "Quantization", "Algorithms", "Formats", "Recipes", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test support: where the suite finds its model, corpus and golden references (Tests/TestAssets).
        .target(name: "TestAssets", path: "Tests/TestAssets"),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "TestAssets"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "Safetensors", "TestAssets"]),
        .testTarget(name: "SafetensorsTests", dependencies: ["Safetensors", "Tensors", "TestAssets"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "JSON", "Models", "TestAssets"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Quantization", "Pipeline", "Models", "Safetensors", "Tensors", "TestAssets"]),
        .testTarget(name: "CLITests", dependencies: ["TestAssets"]),
        .testTarget(name: "RecipesTests", dependencies: ["Recipes", "Quantization", "Formats", "TestAssets"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "Tensors", "Safetensors", "TestAssets"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Models", "Tokenizers", "JSON", "TestAssets"]),
        .testTarget(name: "AlgorithmsTests", dependencies: ["Algorithms", "Pipeline", "Formats", "JSON", "Models", "Quantization", "Recipes", "Safetensors", "Tensors", "TestAssets"]),
        .testTarget(name: "ModelsTests", dependencies: ["JSON", "Models", "Evaluation", "Safetensors", "Tensors", "TestAssets"]),
    ],
    swiftLanguageModes: [.v6]
)
