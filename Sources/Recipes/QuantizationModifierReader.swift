import Quantization

/// What one llm-compressor QuantizationModifier asks for.
struct QuantizationModifierSettings {
    var groups: [(name: String, scheme: QuantizationScheme)] = []
    var groupFormats: [String: String] = [:]
    var ignore: [String] = []
    var kvCacheScheme: QuantizationArgs?
    var kvCacheSchemePath: String?
}

/// Reads llm-compressor 0.14's QuantizationModifier (fields of QuantizationMixin and Modifier).
enum QuantizationModifierReader {
    /// Keys that configure quantization.
    static let quantizationKeys = ["config_groups", "scheme", "targets", "ignore", "kv_cache_scheme",
                                   "weight_observer", "input_observer", "output_observer", "observer"]
    /// Modifier fields that change nothing in a one-shot run at their one-shot values (checked in
    /// `checkOneShotKeys`; any other value is refused).
    static let ignoredKeys = ["bypass_divisibility_checks", "requires_calibration_data",
                              "index", "group", "start", "end", "update"]

    /// Reads the quantization fields of a modifier; `extraKeys` are the modifier's own fields,
    /// read by its own reader.
    static func read(_ node: RecipeNode, extraKeys: [String] = []) throws -> QuantizationModifierSettings {
        let map = try node.mapping(allowed: quantizationKeys + ignoredKeys + extraKeys)
        try checkIgnoredKeys(map)
        var settings = QuantizationModifierSettings()

        var targets = ["Linear"]
        if let value = map["targets"] { targets = try stringOrList(value) }
        if let value = map["ignore"] {
            settings.ignore = try value.strings()
            for (index, entry) in settings.ignore.enumerated() {
                do { _ = try ModulePattern(entry) } catch { throw RecipeError.invalid("\(value.path)[\(index)]", error) }
            }
        }
        let configGroups = map.optional("config_groups")
        let scheme = map.optional("scheme")
        if configGroups != nil, scheme != nil {
            throw RecipeError("\(RecipeError.quoted(node.path)) sets both 'scheme' and 'config_groups': use one of them")
        }
        if let configGroups {
            for entry in try configGroups.mapping().entries {
                let (groupScheme, format) = try SchemeReader.read(entry.value)
                settings.groups.append((entry.key, groupScheme))
                if let format { settings.groupFormats[entry.key] = format }
            }
        } else if let scheme {
            settings.groups = try presetGroups(scheme, targets: targets)
        }
        let overrides = try observerOverrides(map, path: node.path)
        settings.groups = settings.groups.map { ($0.name, apply(overrides, to: $0.scheme)) }
        if let value = map.optional("kv_cache_scheme") {
            settings.kvCacheScheme = try QuantizationArgsReader.read(value)
            settings.kvCacheSchemePath = value.path
        }
        return settings
    }

    /// `scheme: W8A8` (applied to `targets`) or `scheme: {W4A16: [Linear], …}`: groups `group_0`, `group_1`, …
    private static func presetGroups(_ node: RecipeNode, targets: [String]) throws -> [(name: String, scheme: QuantizationScheme)] {
        var presets: [(name: String, targets: [String], path: String)] = []
        if case .mapping = node.node {
            for entry in try node.mapping().entries {
                presets.append((entry.key, try stringOrList(entry.value), entry.value.path))
            }
        } else {
            presets.append((try node.string(), targets, node.path))
        }
        return try presets.enumerated().map { index, preset in
            do {
                return ("group_\(index)", try QuantizationPreset.scheme(named: preset.name, targets: preset.targets))
            } catch {
                throw RecipeError.invalid(preset.path, error)
            }
        }
    }

    /// A string (one entry) or a list of strings, as llm-compressor accepts for targets.
    private static func stringOrList(_ node: RecipeNode) throws -> [String] {
        if case .sequence = node.node { return try node.strings() }
        guard let value = try? node.string() else {
            throw RecipeError.type(node.path, expected: "a string or a list of strings", got: node.shown)
        }
        return [value]
    }

    /// Observer names from `weight_observer`/`input_observer`/`output_observer` or the `observer` map.
    private static func observerOverrides(_ map: RecipeMapping, path: String) throws -> [String: String] {
        var overrides: [String: String] = [:]
        let individual = [("weight_observer", "weights"), ("input_observer", "input"), ("output_observer", "output")]
        for (key, role) in individual {
            if let value = map.optional(key) { overrides[role] = try QuantizationArgsReader.observer(value) }
        }
        if let value = map.optional("observer") {
            guard overrides.isEmpty else {
                throw RecipeError("\(RecipeError.quoted(path)) sets both 'observer' and weight_observer/input_observer/output_observer: use one form")
            }
            for entry in try value.mapping(allowed: ["weights", "input", "output"]).entries {
                overrides[entry.key] = try QuantizationArgsReader.observer(entry.value)
            }
        }
        return overrides
    }

    private static func apply(_ overrides: [String: String], to scheme: QuantizationScheme) -> QuantizationScheme {
        var scheme = scheme
        if let name = overrides["weights"], scheme.weights != nil { scheme.weights?.observer = name }
        if let name = overrides["input"], scheme.inputActivations != nil { scheme.inputActivations?.observer = name }
        if let name = overrides["output"], scheme.outputActivations != nil { scheme.outputActivations?.observer = name }
        return scheme
    }

    /// The Modifier fields of training schedules, at values that mean "apply once" in a one-shot
    /// run: `start` null/-1/0, `end` null/-1, `update` null; `bypass_divisibility_checks` false
    /// (true would skip a check SwiftQuant always makes); `requires_calibration_data`, `index` and
    /// `group` are bookkeeping. Anything else is refused by name.
    static func checkIgnoredKeys(_ map: RecipeMapping) throws {
        if let value = map.optional("bypass_divisibility_checks"), try value.bool() {
            throw RecipeError.unsupportedValue(value.path, "true", supported: ["false"])
        }
        if let value = map.optional("requires_calibration_data") { _ = try value.bool() }
        if let value = map.optional("index") { _ = try value.int() }
        if let value = map.optional("group") { _ = try value.string() }
        let oneShot: [(String, [Double])] = [("start", [-1, 0]), ("end", [-1]), ("update", [])]
        for (key, allowed) in oneShot {
            guard let value = map.optional(key) else { continue }
            let number = try value.number()
            guard allowed.contains(number) else {
                throw RecipeError("\(RecipeError.quoted(value.path)) = \(value.shown) schedules the modifier during training: not supported (SwiftQuant runs one-shot; use \(allowed.isEmpty ? "null" : allowed.map { String(Int($0)) }.joined(separator: " or ")) or omit it)")
            }
        }
    }
}
