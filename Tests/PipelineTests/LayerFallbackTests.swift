import Testing
import JSON
@testable import Pipeline

/// Choosing the Linears kept in float from their scores.
@Suite struct LayerFallbackTests {
    /// q/k/v share an input (one score), as do gate/up.
    static let scores: [(path: String, score: Double)] = [
        ("l0.q", 7), ("l0.k", 7), ("l0.v", 7), ("l0.o", 2), ("l0.gate", 5), ("l0.up", 5), ("l0.down", 9),
        ("l1.q", 1), ("l1.k", 1), ("l1.v", 1), ("l1.o", 9), ("l1.gate", 3), ("l1.up", 3), ("l1.down", 4),
    ]

    @Test func levelTakesWholeGroupsOfEqualScore() {
        let fallback = LayerFallback(method: .rangeStd, rule: .level(2))
        // The two highest scores: 9 (l0.down, l1.o), then 7 (l0.q/k/v), in module order.
        #expect(fallback.choose(Self.scores) == ["l0.q", "l0.k", "l0.v", "l0.down", "l1.o"])
        #expect(LayerFallback(method: .rangeStd, rule: .level(0)).choose(Self.scores).isEmpty)
        #expect(LayerFallback(method: .rangeStd, rule: .level(100)).choose(Self.scores).count == Self.scores.count)
    }

    @Test func thresholdKeepsEveryScoreAboveIt() {
        #expect(LayerFallback(method: .rangeStd, rule: .threshold(5)).choose(Self.scores) == ["l0.q", "l0.k", "l0.v", "l0.down", "l1.o"])
        #expect(LayerFallback(method: .rangeStd, rule: .threshold(9)).choose(Self.scores).isEmpty)
    }

    @Test func levelSyntax() {
        #expect(LayerFallback.Rule(level: "L5") == .level(5))
        #expect(LayerFallback.Rule(level: "3") == .level(3))
        for bad in ["", "L", "L-1", "5L", "L٣", "L99999999999999999999"] {
            #expect(LayerFallback.Rule(level: bad) == nil, "\(bad)")
        }
    }

    @Test func reportListsEveryLinearWithItsRank() throws {
        let fallback = LayerFallback(method: .rangeStd, rule: .level(1))
        let chosen = fallback.choose(Self.scores)
        let report = fallback.report(Self.scores, chosen: chosen)
        let linears = try #require(report["linears"]?.arrayValue)
        #expect(linears.count == Self.scores.count)
        #expect(linears[6]["rank"]?.intValue == 1 && linears[6]["float"]?.boolValue == true)
        #expect(linears[0]["rank"]?.intValue == 3 && linears[0]["float"]?.boolValue == false)
        #expect(report["kept_in_float"]?.arrayValue?.count == 2)
    }
}
