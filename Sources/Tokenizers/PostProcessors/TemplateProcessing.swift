import JSON

/// `TemplateProcessing`: the `single` template, e.g. `<s> $A`, with the ids of each special
/// token taken from `special_tokens`.
struct TemplateProcessing: PostProcessor {
    /// One template item: the sequence itself or the ids of a special token.
    enum Item: Sendable {
        case sequence
        case special([Int])
    }

    let single: [Item]

    init(_ config: ComponentConfig) throws {
        var specials: [String: [Int]] = [:]
        if let members = config.json.member("special_tokens")?.objectValue {
            for member in members {
                let (name, value) = (member.key, member.value)
                guard let ids = value.member("ids")?.arrayValue?.compactMap(\.intValue) else {
                    throw config.fieldError("special_tokens", "entry '\(name)' has no integer 'ids'")
                }
                specials[name] = ids
            }
        }
        var items: [Item] = []
        for piece in try config.array("single") {
            if piece.member("Sequence") != nil {
                items.append(.sequence)
            } else if let name = piece.member("SpecialToken")?.member("id")?.stringValue {
                guard let ids = specials[name] else {
                    throw config.fieldError("single", "uses special token '\(name)', which is missing from special_tokens")
                }
                items.append(.special(ids))
            } else {
                throw config.fieldError("single", "has an item that is neither Sequence nor SpecialToken")
            }
        }
        single = items
    }

    func addSpecialTokens(to ids: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(ids.count + 4)
        for item in single {
            switch item {
            case .sequence: out.append(contentsOf: ids)
            case .special(let s): out.append(contentsOf: s)
            }
        }
        return out
    }
}
