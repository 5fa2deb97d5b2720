/// A value passed to a chat template as an extra variable, like the keyword arguments of
/// transformers' `apply_chat_template` (`enable_thinking=False`, `date_string="26 Jul 2024"`).
public indirect enum ChatTemplateValue: Sendable {
    /// Python's `None`.
    case null
    case bool(Bool)
    case int(Int)
    /// A Python `float`.
    case double(Double)
    case string(String)
    /// A Python list.
    case array([ChatTemplateValue])
    /// A mapping; members keep their order (it shows in `tojson`).
    case object([(key: String, value: ChatTemplateValue)])

    /// The value the template sees.
    var jinjaValue: JinjaValue {
        switch self {
        case .null: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let items): return .list(items.map(\.jinjaValue))
        case .object(let members): return .dict(JinjaDict(members.map { ($0.key, $0.value.jinjaValue) }))
        }
    }
}

extension ChatTemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
}
