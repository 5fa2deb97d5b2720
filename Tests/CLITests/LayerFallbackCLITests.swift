import Foundation
import TestAssets
import Testing

/// `quantize --disable-level / --disable-threshold`: the chosen Linears stay float and the report
/// lists every quantized Linear's score.
@Suite struct LayerFallbackCLITests {
    static var recipe: String { TestAssets.fixture("recipes/ascend-runs/v1_stories_w8a8_static.config.yaml").path }

    @Test(arguments: ["range-std", "sensitivity"])
    func chosenLinearsAreFloat(method: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try CLIRunner.run(["quantize", "--model", CLIRunner.testModel, "--recipe", Self.recipe,
                                   "--dataset", KVCacheTests.calibration, "--output", out.path,
                                   "--disable-level", "L2", "--fallback-method", method])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("layer fallback (\(method), disable_level L2)"), "\(r.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("layer_fallback.json"))) as? [String: Any] ?? [:]
        let linears = report["linears"] as? [[String: Any]] ?? []
        // The test model: 5 layers × 7 quantized Linears, every one scored.
        #expect(linears.count == 35)
        #expect(linears.allSatisfy { ($0["score"] as? Double).map { $0.isFinite && $0 >= 0 } ?? false })
        let kept = report["kept_in_float"] as? [String] ?? []
        #expect(!kept.isEmpty)
        // Two groups: the kept Linears carry the two highest distinct scores.
        let scores = Dictionary(uniqueKeysWithValues: linears.map { ($0["name"] as? String ?? "", $0["score"] as? Double ?? 0) })
        let top = Set(scores.values).sorted(by: >).prefix(2)
        #expect(Set(kept.compactMap { scores[$0] }) == Set(top))
        let description = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("quant_model_description.json"))) as? [String: Any] ?? [:]
        for path in kept {
            #expect(description[path + ".weight"] as? String == "FLOAT", "\(path) is not FLOAT")
            #expect(description[path + ".input_scale"] == nil)
        }
        #expect(linears.filter { !kept.contains($0["name"] as? String ?? "") }.allSatisfy {
            description[($0["name"] as? String ?? "") + ".weight"] as? String == "W8A8"
        })
    }

    @Test func badFallbackFlagsAreOneLine() throws {
        let base = ["quantize", "--model", CLIRunner.testModel, "--recipe", Self.recipe, "--dataset", KVCacheTests.calibration,
                    "--output", "/tmp/never-written-\(UUID().uuidString)"]
        expectCleanFailure(try CLIRunner.run(base + ["--disable-level", "X5"]), mentioning: ["--disable-level must be Lk or k"])
        expectCleanFailure(try CLIRunner.run(base + ["--disable-level", "L1", "--disable-threshold", "2"]),
                           mentioning: ["one of --disable-level or --disable-threshold"])
        expectCleanFailure(try CLIRunner.run(base + ["--disable-level", "L1", "--fallback-method", "oracle"]),
                           mentioning: ["--fallback-method must be range-std or sensitivity"])
        expectCleanFailure(try CLIRunner.run(base + ["--disable-threshold=-1"]), mentioning: ["--disable-threshold must be a number ≥ 0"])
        expectCleanFailure(try CLIRunner.run(base + ["--fallback-method", "sensitivity"]),
                           mentioning: ["apply with --disable-level or --disable-threshold"])
    }
}
