import Tensors

extension CausalLM {
    /// Greedy decoding with a KV cache: appends `maxNewTokens` argmax ids to `prompt`
    /// (stopping early only at an id in `stopIds`). Returns the new ids.
    public func generateGreedy(prompt: [Int], maxNewTokens: Int, stopIds: Set<Int> = [],
                               onToken: ((Int) -> Void)? = nil) throws -> [Int] {
        guard !prompt.isEmpty else { throw ModelError("generate: the prompt encodes to no tokens") }
        var cache: KVCache? = makeCache()
        var generated: [Int] = []
        var input = prompt
        var position = 0
        while generated.count < maxNewTokens {
            let hidden = try hiddenStates(input, start: position, cache: &cache)
            position += input.count
            let last = hidden.rows(hidden.rows - 1..<hidden.rows)
            let scores = logits(normalized: last)
            let next = Self.argmax(scores.data)
            generated.append(next)
            onToken?(next)
            if stopIds.contains(next) { break }
            input = [next]
        }
        return generated
    }

    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for (i, v) in values.enumerated() where v > bestValue {
            best = i
            bestValue = v
        }
        return best
    }
}
