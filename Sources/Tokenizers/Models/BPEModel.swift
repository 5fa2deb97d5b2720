import JSON

/// A byte-pair-encoding model (`"type": "BPE"`): each piece starts as one symbol per
/// character (or per `<0xXX>` byte with `byte_fallback`, or `unk_token`), then merge rules
/// are applied by rank.
final class BPEModel: TokenizerModel {
    private let vocab: [ByteKey: Int]
    private let tokensById: [[UInt8]?]
    let merges: BPEMerges
    /// Ids of single-character entries with scalar value below 512 (-1 when absent).
    private let smallScalarIds: [Int]
    /// Ids of the other single-character entries.
    private let scalarIds: [UInt32: Int]
    /// Ids of the `<0xXX>` entries when `byte_fallback` is on (-1 when absent).
    private let byteFallbackIds: [Int]?
    private let unkId: Int?
    let fuseUnk: Bool
    let ignoreMerges: Bool
    private let continuingSubwordPrefix: [UInt8]?
    private let endOfWordSuffix: [UInt8]?
    let maxId: Int

    /// Pieces longer than this (in bytes) are not cached (as in the Rust library).
    private static let maxCachedLength = 256

    init(_ config: ComponentConfig) throws {
        guard let vocabJSON = config.json.member("vocab"), let members = vocabJSON.objectValue else {
            throw config.fieldError("vocab", "must be an object mapping tokens to ids")
        }
        var vocab: [ByteKey: Int] = [:]
        vocab.reserveCapacity(members.count)
        var maxId = -1
        for member in members {
            let (token, value) = (member.key, member.value)
            guard let id = value.intValue, id >= 0, id <= Int(UInt32.max) else {
                throw config.fieldError("vocab", "has a non-integer or negative id for token '\(token)'")
            }
            vocab[ByteKey(token)] = id
            maxId = max(maxId, id)
        }
        guard maxId < 50_000_000 else { throw config.fieldError("vocab", "has an id too large (\(maxId))") }
        var tokensById = [[UInt8]?](repeating: nil, count: maxId + 1)
        var smallScalarIds = [Int](repeating: -1, count: 512)
        var scalarIds: [UInt32: Int] = [:]
        for (key, id) in vocab {
            tokensById[id] = key.bytes
            let scalars = UTF8Text.scalars(key.bytes)
            if scalars.count == 1 {
                if scalars[0] < 512 { smallScalarIds[Int(scalars[0])] = id } else { scalarIds[scalars[0]] = id }
            }
        }
        self.vocab = vocab
        self.tokensById = tokensById
        self.smallScalarIds = smallScalarIds
        self.scalarIds = scalarIds
        self.maxId = maxId

        if let dropout = config.json.member("dropout"), dropout.intValue != 0 {
            throw config.fieldError("dropout", "is not supported (only null or 0)")
        }
        let prefix = try config.optionalString("continuing_subword_prefix").map { Array($0.utf8) }
        continuingSubwordPrefix = prefix?.isEmpty == true ? nil : prefix
        let suffix = try config.optionalString("end_of_word_suffix").map { Array($0.utf8) }
        endOfWordSuffix = suffix?.isEmpty == true ? nil : suffix
        fuseUnk = try config.bool("fuse_unk", default: false)
        ignoreMerges = try config.bool("ignore_merges", default: false)
        unkId = try config.optionalString("unk_token").flatMap { vocab[ByteKey($0)] }
        if try config.bool("byte_fallback", default: false) {
            byteFallbackIds = (0..<256).map { b in
                vocab[ByteKey(Self.byteFallbackToken(UInt8(b)))] ?? -1
            }
        } else {
            byteFallbackIds = nil
        }
        merges = try Self.readMerges(config, vocab: vocab, prefixLength: prefix?.count ?? 0)
    }

    /// `<0xXX>` with upper-case hex digits.
    static func byteFallbackToken(_ b: UInt8) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        return String(decoding: [0x3C, 0x30, 0x78, hex[Int(b >> 4)], hex[Int(b & 15)], 0x3E], as: UTF8.self)
    }

    /// Reads `merges`, given either as `"a b"` strings or as `["a", "b"]` pairs.
    private static func readMerges(_ config: ComponentConfig, vocab: [ByteKey: Int],
                                   prefixLength: Int) throws -> BPEMerges {
        var rules: [(a: Int, b: Int, merged: Int)] = []
        guard let list = config.json.member("merges") else { return BPEMerges(rules) }
        guard let items = list.arrayValue else {
            throw config.fieldError("merges", "must be an array, found \(list.kindName)")
        }
        var rank = 0
        for item in items {
            let a: [UInt8], b: [UInt8]
            if let line = item.stringValue {
                if line.hasPrefix("#version") { continue }
                let parts = Array(line.utf8).split(separator: 0x20, omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw config.fieldError("merges", "entry \(rank + 1) '\(line)' is not two tokens separated by one space")
                }
                a = Array(parts[0])
                b = Array(parts[1])
            } else if let pair = item.arrayValue, pair.count == 2,
                      let first = pair[0].stringValue, let second = pair[1].stringValue {
                a = Array(first.utf8)
                b = Array(second.utf8)
            } else {
                throw config.fieldError("merges", "entry \(rank + 1) must be a string \"a b\" or a pair [\"a\", \"b\"]")
            }
            func lookup(_ t: [UInt8]) throws -> Int {
                guard let id = vocab[ByteKey(t)] else {
                    throw config.fieldError("merges", "entry \(rank + 1) uses '\(UTF8Text.string(t))', which is not in the vocabulary")
                }
                return id
            }
            guard b.count >= prefixLength else {
                throw config.fieldError("merges", "entry \(rank + 1) is shorter than continuing_subword_prefix")
            }
            let merged = try lookup(a + b[prefixLength...])
            rules.append((try lookup(a), try lookup(b), merged))
            rank += 1
        }
        return BPEMerges(rules)
    }

    var summary: String {
        var s = "BPE"
        if byteFallbackIds != nil { s += " (byte fallback)" }
        return s
    }

    func id(for token: [UInt8]) -> Int? { vocab[ByteKey(token)] }

    func token(for id: Int) -> [UInt8]? {
        guard id >= 0 && id < tokensById.count else { return nil }
        return tokensById[id]
    }

    func tokenize(_ piece: [UInt8], cache: inout [ByteKey: [Int]], into ids: inout [Int]) {
        if piece.isEmpty { return }
        let key = ByteKey(piece)
        if let hit = cache[key] {
            ids.append(contentsOf: hit)
            return
        }
        var word: [Int]
        if ignoreMerges, let id = vocab[key] {
            word = [id]
        } else {
            word = initialSymbols(piece)
            merges.apply(&word)
        }
        if piece.count < Self.maxCachedLength { cache[key] = word }
        ids.append(contentsOf: word)
    }

    /// One symbol per character (the Rust library's `merge_word` before merging).
    private func initialSymbols(_ piece: [UInt8]) -> [Int] {
        var word: [Int] = []
        word.reserveCapacity(piece.count)
        var pendingUnk = false
        piece.withUnsafeBufferPointer { p in
            var i = 0
            while i < p.count {
                let (scalar, length) = UTF8Text.decode(p, at: i)
                let isFirst = i == 0
                let isLast = i + length == p.count
                var id: Int? = nil
                var text: [UInt8]? = nil  // the looked-up string, when prefix/suffix apply
                if (continuingSubwordPrefix != nil && !isFirst) || (endOfWordSuffix != nil && isLast) {
                    var t: [UInt8] = []
                    if !isFirst, let prefix = continuingSubwordPrefix { t += prefix }
                    t += p[i..<(i + length)]
                    if isLast, let suffix = endOfWordSuffix { t += suffix }
                    id = vocab[ByteKey(t)]
                    text = t
                } else if scalar < 512 {
                    let v = smallScalarIds[Int(scalar)]
                    id = v >= 0 ? v : nil
                } else {
                    id = scalarIds[scalar]
                }
                defer { i += length }
                if let id {
                    if pendingUnk, let unkId {
                        word.append(unkId)
                        pendingUnk = false
                    }
                    word.append(id)
                    continue
                }
                if let fallback = byteFallbackIds {
                    let bytes = text ?? Array(p[i..<(i + length)])
                    if bytes.allSatisfy({ fallback[Int($0)] >= 0 }) {
                        for b in bytes { word.append(fallback[Int(b)]) }
                        continue
                    }
                }
                if let unkId {
                    if pendingUnk && !fuseUnk {
                        word.append(unkId)
                    }
                    pendingUnk = true
                }
            }
        }
        if pendingUnk, let unkId { word.append(unkId) }
        return word
    }
}
