import Foundation
import Testing
import Safetensors
@testable import Tensors

/// TorchSum against torch's CPU `sum(dim=-1)` (fixture from scripts/make_rowsum_fixture.py).
@Suite struct TorchSumFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/rowsum/torch_rowsum.safetensors")

    @Test(arguments: [1, 7, 8, 17, 31, 33, 64, 100, 576, 1000, 1536, 4097])
    func bitIdenticalToTorch(width: Int) throws {
        let file = try SafetensorsFile(url: Self.fixture)
        let x = try file.floats("x\(width)")
        let sums = try file.floats("sum\(width)"), squares = try file.floats("sq\(width)")
        var naive = 0
        x.withUnsafeBufferPointer { p in
            for row in 0..<sums.count {
                let base = p.baseAddress! + row * width
                #expect(TorchSum.contiguous(base, count: width).bitPattern == sums[row].bitPattern, "row \(row) sum")
                #expect(TorchSum.contiguous(base, count: width, squared: true).bitPattern == squares[row].bitPattern, "row \(row) sum of squares")
                // A left-to-right sum differs somewhere for the wider rows: the order is what is tested.
                if (0..<width).reduce(Float(0), { $0 + base[$1] }).bitPattern != sums[row].bitPattern { naive += 1 }
            }
        }
        if width >= 100 { #expect(naive > 0, "a plain left-to-right sum should differ from torch for some row") }
    }
}
