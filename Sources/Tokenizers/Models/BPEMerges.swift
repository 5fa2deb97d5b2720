/// The merge rules of a BPE model: pair of ids → (rank, merged id), keyed by one `UInt64`.
struct BPEMerges: Sendable {
    private var table: [UInt64: UInt64] = [:]

    /// The number of rules.
    var count: Int { table.count }

    @inline(__always)
    private static func key(_ a: Int, _ b: Int) -> UInt64 {
        UInt64(truncatingIfNeeded: a) << 32 | UInt64(truncatingIfNeeded: UInt32(truncatingIfNeeded: b))
    }

    /// Adds (or replaces, as a later duplicate does in the Rust library) a rule.
    mutating func add(_ a: Int, _ b: Int, rank: Int, merged: Int) {
        table[Self.key(a, b)] = UInt64(rank) << 32 | UInt64(merged)
    }

    /// The rule for a pair, as (rank, merged id).
    @inline(__always)
    func rule(_ a: Int, _ b: Int) -> (rank: Int, merged: Int)? {
        guard let v = table[Self.key(a, b)] else { return nil }
        return (Int(v >> 32), Int(v & 0xFFFF_FFFF))
    }

    /// Applies the rules to a sequence of symbols: repeatedly merges the pair with the lowest
    /// rank, the leftmost one on ties, until no rule applies (the Rust library's
    /// `Word::merge_all` without dropout).
    func apply(_ symbols: inout [Int]) {
        let n = symbols.count
        if n < 2 { return }
        if n == 2 {
            if let r = rule(symbols[0], symbols[1]) { symbols = [r.merged] }
            return
        }
        var next = [Int](repeating: -1, count: n)
        var prev = [Int](repeating: -1, count: n)
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<n {
            if i + 1 < n { next[i] = i + 1 }
            if i > 0 { prev[i] = i - 1 }
            if i + 1 < n, let r = rule(symbols[i], symbols[i + 1]) {
                heap.push(UInt64(r.rank) << 32 | UInt64(i))
            }
        }
        while let top = heap.pop() {
            let rank = Int(top >> 32), pos = Int(top & 0xFFFF_FFFF)
            guard alive[pos] else { continue }
            let right = next[pos]
            guard right >= 0 else { continue }
            // Skip entries made stale by earlier merges.
            guard let r = rule(symbols[pos], symbols[right]), r.rank == rank else { continue }
            symbols[pos] = r.merged
            alive[right] = false
            let after = next[right]
            next[pos] = after
            if after >= 0 { prev[after] = pos }
            let before = prev[pos]
            if before >= 0, let l = rule(symbols[before], symbols[pos]) {
                heap.push(UInt64(l.rank) << 32 | UInt64(before))
            }
            if after >= 0, let l = rule(symbols[pos], symbols[after]) {
                heap.push(UInt64(l.rank) << 32 | UInt64(pos))
            }
        }
        var out: [Int] = []
        out.reserveCapacity(n)
        var i = 0  // symbol 0 is never merged away (only right-hand symbols are)
        while i >= 0 {
            out.append(symbols[i])
            i = next[i]
        }
        symbols = out
    }
}

/// A binary min-heap of packed (rank, position) keys.
struct MinHeap {
    private var items: [UInt64] = []

    mutating func push(_ x: UInt64) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= x { break }
            items[i] = items[parent]
            i = parent
        }
        items[i] = x
    }

    mutating func pop() -> UInt64? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return top }
        let n = items.count
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n && items[l + 1] < items[l] { c = l + 1 }
            if items[c] >= last { break }
            items[i] = items[c]
            i = c
        }
        items[i] = last
        return top
    }
}
