import Foundation
import Testing
import Tensors
@testable import Safetensors

/// Randomized corruptions of a valid file (fixed seed): each case must either throw a
/// `SafetensorsError` or parse to a consistent header whose every tensor lies inside the file.
@Suite struct FuzzTests {
    /// A valid file with several dtypes, metadata and a zero-sized tensor.
    static let seedFile: [UInt8] = {
        var writer = SafetensorsWriter(metadata: ["format": "pt", "note": "fuzz \"seed\""])
        let specs: [(String, DType, [Int])] = [
            ("model.embed.weight", .f32, [4, 3]), ("layer.0.scale", .bf16, [5]), ("layer.0.q", .i8, [2, 4]),
            ("layer.0.zp", .i32, [3]), ("ids", .i64, [2]), ("mask", .bool, [3]), ("fp8", .f8e4m3, [4]),
            ("half", .f16, [2, 2]), ("bytes", .u8, [6]), ("empty", .f32, [0]),
        ]
        var rng = SplitMix64(seed: 7)
        for (name, dtype, shape) in specs {
            let count = shape.reduce(1, *) * dtype.byteSize
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try? writer.add(name: name, dtype: dtype, shape: shape, bytes: bytes)
        }
        return (try? Array(writer.serialized())) ?? []
    }()

    enum Outcome { case rejected, accepted }

    /// Parses `bytes` in memory; on success checks every invariant the reader promises.
    static func check(_ bytes: [UInt8], _ label: String) -> Outcome {
        do {
            let header = try bytes.withUnsafeBytes { try HeaderParser.parse($0, path: "fuzz") }
            let dataStart = 8 + header.headerLength
            #expect(dataStart <= bytes.count, "\(label)")
            var cursor = 0
            for info in header.tensors {
                #expect(info.dataOffsets.lowerBound == cursor, "\(label)")
                #expect(info.byteCount == TensorSize.byteCount(shape: info.shape, dtype: info.dtype), "\(label)")
                #expect(dataStart + info.dataOffsets.upperBound <= bytes.count, "\(label)")
                cursor = info.dataOffsets.upperBound
            }
            #expect(dataStart + cursor == bytes.count, "\(label)")
            return .accepted
        } catch let error as SafetensorsError {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("\n"), "\(label): \(error)")
            return .rejected
        } catch {
            Issue.record("\(label): unexpected error type \(error)")
            return .rejected
        }
    }

    static func mutate(_ original: [UInt8], using rng: inout SplitMix64) -> ([UInt8], String) {
        var bytes = original
        // Header bounds of the seed file, clamped to this buffer (it may already be mutated).
        let headerLength = Int(seedFile[0]) | Int(seedFile[1]) << 8
        let headerRange = 8..<max(9, min(8 + headerLength, bytes.count))
        guard bytes.count > 9 else { return (bytes, "tiny") }
        func setPrefix(_ value: UInt64) {
            for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        let kind = Int.random(in: 0..<8, using: &rng)
        switch kind {
        case 0:  // flip bits in 1–3 header bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: headerRange, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
            return (bytes, "flip")
        case 1:  // replace a header byte with a random one
            bytes[Int.random(in: headerRange, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            return (bytes, "replace")
        case 2:  // insert a byte into the header, fixing the length prefix half the time
            let at = Int.random(in: headerRange, using: &rng)
            let choices = Array("{}[]\",:0123456789- ".utf8) + [0x00, 0xFF]
            bytes.insert(choices[Int.random(in: 0..<choices.count, using: &rng)], at: at)
            if Bool.random(using: &rng) { setPrefix(UInt64(headerLength + 1)) }
            return (bytes, "insert@\(at)")
        case 3:  // delete a header byte, fixing the length prefix half the time
            let at = Int.random(in: headerRange, using: &rng)
            bytes.remove(at: at)
            if Bool.random(using: &rng) { setPrefix(UInt64(headerLength - 1)) }
            return (bytes, "delete@\(at)")
        case 4:  // change the length prefix
            let options: [UInt64] = [0, 1, 7, UInt64(headerLength - 1), UInt64(headerLength + 1), UInt64(headerLength + 8),
                                     UInt64(bytes.count), 100_000_000, 100_000_001, .max, UInt64.random(in: 0...UInt64.max, using: &rng)]
            setPrefix(options[Int.random(in: 0..<options.count, using: &rng)])
            return (bytes, "prefix")
        case 5:  // truncate the file anywhere
            let keep = Int.random(in: 0..<bytes.count, using: &rng)
            return (Array(bytes.prefix(keep)), "truncate@\(keep)")
        case 6:  // change a digit in the header (keeps JSON valid: exercises shape/offset checks)
            let digits = headerRange.filter { (0x30...0x39).contains(bytes[$0]) }
            if let at = digits.randomElement(using: &rng) {
                bytes[at] = UInt8.random(in: 0x30...0x39, using: &rng)
            }
            return (bytes, "digit")
        default:  // append or remove data bytes
            if Bool.random(using: &rng) {
                bytes += [UInt8](repeating: 0, count: Int.random(in: 1...16, using: &rng))
                return (bytes, "append")
            }
            return (Array(bytes.dropLast(Int.random(in: 1...16, using: &rng))), "drop-tail")
        }
    }

    @Test func randomCorruptionsNeverCrash() throws {
        #expect(Self.check(Self.seedFile, "seed") == .accepted)
        var rng = SplitMix64(seed: 0x5AFE_7E45)
        var accepted = 0, rejected = 0
        for round in 0..<600 {
            var (bytes, label) = Self.mutate(Self.seedFile, using: &rng)
            if round % 5 == 0 {  // stack a second mutation now and then
                let second = Self.mutate(bytes, using: &rng)
                bytes = second.0
                label += "+" + second.1
            }
            switch Self.check(bytes, "#\(round) \(label)") {
            case .accepted: accepted += 1
            case .rejected: rejected += 1
            }
        }
        #expect(accepted + rejected == 600)
        #expect(rejected > 300)
    }

    /// A smaller run through the real file path (mmap, full reader API).
    @Test func randomCorruptionsThroughFiles() throws {
        let dir = try TemporaryDirectory()
        var rng = SplitMix64(seed: 42)
        for round in 0..<120 {
            let (bytes, label) = Self.mutate(Self.seedFile, using: &rng)
            let url = try dir.write(bytes, to: "case\(round).safetensors")
            do {
                let file = try SafetensorsFile(url: url)
                for name in file.tensorNames {
                    let info = try file.info(name)
                    #expect(file.dataStart + info.dataOffsets.upperBound <= file.fileSize, "\(label)")
                    let count = try file.withBytes(name) { $0.count }
                    #expect(count == info.byteCount)
                    if info.dtype.isFloatingPoint {
                        #expect(try file.floats(name).count == info.elementCount)
                    } else {
                        #expect(try file.ints(name).count == info.elementCount)
                    }
                }
            } catch let error as SafetensorsError {
                #expect(!error.description.contains("\n"))
            }
            try FileManager.default.removeItem(at: url)
        }
    }
}
