/// The merge rules of a BPE model: pair of ids → (rank, merged id).
struct BPEMerges: Sendable {
    private let table: PairTable

    /// Builds the table from rules in rank order; a later duplicate of a pair replaces the
    /// earlier one, as in the Rust library.
    init(_ rules: [(a: Int, b: Int, merged: Int)]) {
        var table = PairTable(capacity: rules.count)
        for (rank, rule) in rules.enumerated() {
            table.insert(PairTable.key(rule.a, rule.b), value: UInt64(rank) << 32 | UInt64(rule.merged))
        }
        self.table = table
    }

    /// The number of rules.
    var count: Int { table.count }

    /// The rule for a pair, as (rank, merged id).
    @inline(__always)
    func rule(_ a: Int, _ b: Int) -> (rank: Int, merged: Int)? {
        guard let v = table.value(PairTable.key(a, b)) else { return nil }
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
        // Doubly linked list over positions; a merged-away position gets prev = -2.
        var prevStorage = [Int](repeating: -1, count: n)
        var nextStorage = [Int](repeating: -1, count: n)
        // At most n - 1 initial pushes plus 2 per merge (at most n - 1 merges).
        var heapStorage = [UInt64](repeating: 0, count: 3 * n)
        var count = 0
        symbols.withUnsafeMutableBufferPointer { sym in
            prevStorage.withUnsafeMutableBufferPointer { prev in
              nextStorage.withUnsafeMutableBufferPointer { next in
                heapStorage.withUnsafeMutableBufferPointer { heapBuffer in
                    var heap = UnsafeHeap(heapBuffer)
                    for i in 0..<n {
                        prev[i] = i - 1
                        next[i] = i + 1 < n ? i + 1 : -1
                        if i + 1 < n, let r = rule(sym[i], sym[i + 1]) {
                            heap.push(UInt64(r.rank) << 32 | UInt64(i))
                        }
                    }
                    while let top = heap.pop() {
                        let rank = Int(top >> 32), pos = Int(top & 0xFFFF_FFFF)
                        if prev[pos] == -2 { continue }
                        let right = next[pos]
                        if right < 0 { continue }
                        // Skip entries made stale by earlier merges.
                        guard let r = rule(sym[pos], sym[right]), r.rank == rank else { continue }
                        sym[pos] = r.merged
                        prev[right] = -2
                        let after = next[right]
                        next[pos] = after
                        if after >= 0 { prev[after] = pos }
                        let before = prev[pos]
                        if before >= 0, let l = rule(sym[before], sym[pos]) {
                            heap.push(UInt64(l.rank) << 32 | UInt64(before))
                        }
                        if after >= 0, let l = rule(sym[pos], sym[after]) {
                            heap.push(UInt64(l.rank) << 32 | UInt64(pos))
                        }
                    }
                    // Compact in place; position 0 is never merged away.
                    var i = 0
                    while i >= 0 {
                        sym[count] = sym[i]
                        count += 1
                        i = next[i]
                    }
                }
              }
            }
        }
        symbols.removeSubrange(count...)
    }
}

/// A binary min-heap of packed (rank, position) keys in caller-provided storage, which must
/// be large enough for every push.
struct UnsafeHeap {
    private let items: UnsafeMutableBufferPointer<UInt64>
    private var count = 0

    init(_ storage: UnsafeMutableBufferPointer<UInt64>) { items = storage }

    mutating func push(_ x: UInt64) {
        var i = count
        count += 1
        while i > 0 {
            let parent = (i - 1) / 2
            if items[parent] <= x { break }
            items[i] = items[parent]
            i = parent
        }
        items[i] = x
    }

    mutating func pop() -> UInt64? {
        guard count > 0 else { return nil }
        let top = items[0]
        count -= 1
        if count == 0 { return top }
        let last = items[count]
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= count { break }
            var c = l
            if l + 1 < count && items[l + 1] < items[l] { c = l + 1 }
            if items[c] >= last { break }
            items[i] = items[c]
            i = c
        }
        items[i] = last
        return top
    }
}

/// An open-addressing hash table from packed id pairs to packed values, much faster than
/// `Dictionary` for this one job. Keys never equal `UInt64.max` (ids are below 2^32).
struct PairTable: Sendable {
    /// The slots. Written only while the owning `PairTable` is being built, then read-only,
    /// which is what makes sharing it between threads safe.
    private final class Storage: @unchecked Sendable {
        let keys: UnsafeMutablePointer<UInt64>
        let values: UnsafeMutablePointer<UInt64>

        init(size: Int) {
            keys = .allocate(capacity: size)
            keys.initialize(repeating: PairTable.empty, count: size)
            values = .allocate(capacity: size)
            values.initialize(repeating: 0, count: size)
        }

        deinit {
            keys.deallocate()
            values.deallocate()
        }
    }

    fileprivate static let empty = UInt64.max
    private let storage: Storage
    private let mask: Int
    private let shift: UInt64
    private(set) var count = 0

    /// Packs two ids into a key.
    @inline(__always)
    static func key(_ a: Int, _ b: Int) -> UInt64 {
        UInt64(truncatingIfNeeded: UInt32(truncatingIfNeeded: a)) << 32
            | UInt64(truncatingIfNeeded: UInt32(truncatingIfNeeded: b))
    }

    /// An empty table with room for `capacity` entries (it keeps a load factor below 1/2).
    init(capacity: Int) {
        var size = 16
        var bits: UInt64 = 4
        while size < capacity * 2 { size <<= 1; bits += 1 }
        storage = Storage(size: size)
        mask = size - 1
        shift = 64 - bits
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Inserts or replaces an entry; at most `capacity` distinct keys may be inserted.
    mutating func insert(_ key: UInt64, value: UInt64) {
        let keys = storage.keys, values = storage.values
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { values[i] = value; return }
            if k == Self.empty {
                keys[i] = key
                values[i] = value
                count += 1
                return
            }
            i = (i + 1) & mask
        }
    }

    /// The value stored for `key`.
    @inline(__always)
    func value(_ key: UInt64) -> UInt64? {
        let keys = storage.keys
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return storage.values[i] }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }
}
