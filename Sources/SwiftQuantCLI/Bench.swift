import ArgumentParser
import Foundation
import Tensors

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Micro-benchmarks used by the benchmark scripts.",
        subcommands: [Sgemm.self, BF16Linear.self])

    struct Sgemm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "GFLOP/s of cblas_sgemm (row-major A·Bᵀ, fp32), best of --repeats.")

        @Option var m: Int = 2048
        @Option var n: Int = 2048
        @Option var k: Int = 2048
        @Option var repeats: Int = 5
        @Option(help: "OpenBLAS threads for this measurement (default: all cores).")
        var threads: Int = ProcessInfoCores.count

        func run() throws {
            for (name, value) in [("--m", m), ("--n", n), ("--k", k)] where !(1...Limits.maxBenchSize).contains(value) {
                throw CLIError("\(name) must be 1…\(Limits.maxBenchSize), got \(value)")
            }
            guard (1...1000).contains(repeats) else { throw CLIError("--repeats must be 1…1000, got \(repeats)") }
            guard (1...256).contains(threads) else { throw CLIError("--threads must be 1…256, got \(threads)") }
            var a = [Float](repeating: 0, count: m * k)
            var b = [Float](repeating: 0, count: n * k)
            for i in a.indices { a[i] = Float((i * 7919) % 1000) / 1000 - 0.5 }
            for i in b.indices { b[i] = Float((i * 104_729) % 1000) / 1000 - 0.5 }
            var c = [Float](repeating: 0, count: m * n)
            _ = BLAS.singleThreaded
            BLAS.setThreads(threads)
            var best = Double.infinity
            for iteration in 0...repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            BLAS.gemmABt(m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: k,
                                         c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if iteration > 0 { best = min(best, seconds) }
            }
            let gflops = 2 * Double(m) * Double(n) * Double(k) / best / 1e9
            print(String(format: "{\"m\": %d, \"n\": %d, \"k\": %d, \"seconds\": %.6f, \"gflops\": %.1f, \"threads\": %d}",
                         m, n, k, best, gflops, BLAS.threads))
        }
    }

    struct BF16Linear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bf16-linear",
            abstract: "GFLOP/s of the bf16 calibration linears (SwiftQuant's fixed-order kernel; oneDNN where the CPU has native bf16) against the fp32 BLAS linear, same shape, and the share of oneDNN's outputs bit-identical to the fixed-order kernel's.")

        @Option(help: "Rows of the input (tokens).") var m: Int = 512
        @Option(help: "Output features.") var n: Int = 1536
        @Option(help: "Input features.") var k: Int = 576
        @Option var repeats: Int = 5

        func run() throws {
            for (name, value) in [("--m", m), ("--n", n), ("--k", k)] where !(1...Limits.maxBenchSize).contains(value) {
                throw CLIError("\(name) must be 1…\(Limits.maxBenchSize), got \(value)")
            }
            guard (1...1000).contains(repeats) else { throw CLIError("--repeats must be 1…1000, got \(repeats)") }
            let x = Matrix(rows: m, cols: k, data: (0..<(m * k)).map { Float(($0 * 7919) % 255) / 128 - 1 })
            let w = Matrix(rows: n, cols: k, data: (0..<(n * k)).map { Float(($0 * 104_729) % 255) / 128 - 1 })
            let packed = TorchBF16Linear.PackedWeight(w)
            func best(_ body: () -> Void) -> Double {
                var best = Double.infinity
                for iteration in 0...repeats {
                    let start = DispatchTime.now().uptimeNanoseconds
                    body()
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    if iteration > 0 { best = min(best, seconds) }
                }
                return best
            }
            let flop = 2 * Double(m) * Double(n) * Double(k)
            let ordered = best { _ = TorchBF16Linear.apply(x, packed) }
            let blas = best { _ = BLAS.linear(x, weight: w) }
            var onednn = "null", identical = "null"
            if OneDNNLinear.isSupported {
                let weight = OneDNNLinear.PackedWeight(w)
                let seconds = best { _ = OneDNNLinear.apply(x, weight) }
                onednn = String(format: "%.1f", flop / seconds / 1e9)
                if let fast = OneDNNLinear.apply(x, weight) {
                    let reference = TorchBF16Linear.apply(x, packed)
                    let same = zip(fast.data, reference.data).filter { $0.0.bitPattern == FloatBits.roundToBF16($0.1).bitPattern }.count
                    identical = String(format: "%.6f", Double(same) / Double(max(1, fast.count)))
                }
            }
            print(String(format: "{\"m\": %d, \"n\": %d, \"k\": %d, \"bf16_order_gflops\": %.1f, \"blas_gflops\": %.1f, \"onednn_gflops\": %@, \"onednn_identical_share\": %@, \"onednn_impl\": \"%@\"}",
                         m, n, k, flop / ordered / 1e9, flop / blas / 1e9, onednn, identical, OneDNNLinear.implementation))
        }
    }
}
