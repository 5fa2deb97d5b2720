import JSON

/// Typed, error-reporting access to one pipeline component's JSON object
/// (e.g. the `pre_tokenizer` object `{"type": "Split", ...}`).
struct ComponentConfig {
    /// The JSON object.
    let json: JSONValue
    /// Which component this is, for error messages (e.g. `pre_tokenizer`).
    let component: String

    /// Wraps `json`, which must be an object.
    init(_ json: JSONValue, component: String) throws {
        guard json.isObject else {
            throw TokenizerError.malformed("\(component) must be an object, found \(json.kindName)")
        }
        self.json = json
        self.component = component
    }

    /// The `type` field, or `nil` if absent.
    var type: String? { json.member("type")?.stringValue }

    /// The `type` field; throws if absent.
    func requiredType() throws -> String {
        guard let t = type else { throw TokenizerError.malformed("\(component) has no 'type'") }
        return t
    }

    private func where_() -> String {
        if let t = type { return "\(component) '\(t)'" }
        return component
    }

    func fieldError(_ key: String, _ problem: String) -> TokenizerError {
        .malformed("\(where_()) field '\(key)' \(problem)")
    }

    func string(_ key: String) throws -> String {
        guard let v = json.member(key) else { throw fieldError(key, "is missing") }
        guard let s = v.stringValue else { throw fieldError(key, "must be a string, found \(v.kindName)") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        guard let v = json.member(key) else { return nil }
        guard let s = v.stringValue else { throw fieldError(key, "must be a string, found \(v.kindName)") }
        return s
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = json.member(key) else { return value }
        guard let b = v.boolValue else { throw fieldError(key, "must be a boolean, found \(v.kindName)") }
        return b
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let v = json.member(key) else { return nil }
        guard let b = v.boolValue else { throw fieldError(key, "must be a boolean, found \(v.kindName)") }
        return b
    }

    func int(_ key: String, default value: Int) throws -> Int {
        guard let v = json.member(key) else { return value }
        guard let i = v.intValue else { throw fieldError(key, "must be an integer, found \(v.kindName)") }
        return i
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let v = json.member(key) else { throw fieldError(key, "is missing") }
        guard let a = v.arrayValue else { throw fieldError(key, "must be an array, found \(v.kindName)") }
        return a
    }

    /// A single-scalar string field (e.g. Metaspace's `replacement`).
    func scalar(_ key: String, default value: UInt32? = nil) throws -> UInt32 {
        guard json.member(key) != nil else {
            if let value { return value }
            throw fieldError(key, "is missing")
        }
        let s = try string(key)
        let scalars = Array(s.unicodeScalars)
        guard scalars.count == 1 else { throw fieldError(key, "must be a single character") }
        return scalars[0].value
    }

    /// A `{"String": "..."}` or `{"Regex": "..."}` pattern field.
    func pattern(_ key: String) throws -> PatternSpec {
        guard let v = json.member(key) else { throw fieldError(key, "is missing") }
        if let s = v.member("String")?.stringValue { return .literal(s) }
        if let r = v.member("Regex")?.stringValue { return .regex(r) }
        throw fieldError(key, "must be {\"String\": ...} or {\"Regex\": ...}")
    }
}

/// A pattern as written in tokenizer.json.
enum PatternSpec: Sendable {
    case literal(String)
    case regex(String)
}
