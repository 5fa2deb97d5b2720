/// Converts msModelSlim include/exclude globs (fnmatch syntax over full module paths) into
/// compressed-tensors target/ignore entries.
enum GlobPattern {
    /// `*` alone → `Linear` (every Linear); anything else → a fully anchored `re:` pattern:
    /// `*` → `.*`, `?` → `.`, `[abc]`/`[!abc]` → a character class, every other character literal.
    /// E.g. `*.down_proj` → `re:^.*\.down_proj$`, `lm_head` → `re:^lm_head$`.
    static func target(_ glob: String) -> String {
        glob == "*" ? "Linear" : "re:" + regex(glob)
    }

    /// The anchored regular expression matching exactly the paths the glob matches.
    static func regex(_ glob: String) -> String {
        let characters = Array(glob)
        var result = "^"
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "*":
                result += ".*"
            case "?":
                result += "."
            case "[":
                if let (set, next) = characterClass(characters, from: index) {
                    result += set
                    index = next
                    continue
                }
                result += "\\["
            default:
                result += escaped(character)
            }
            index += 1
        }
        return result + "$"
    }

    /// A `[...]` class starting at `start` as a regex class, and the index after it; nil if unclosed.
    private static func characterClass(_ characters: [Character], from start: Int) -> (String, Int)? {
        var index = start + 1
        var negate = false
        if index < characters.count, characters[index] == "!" {
            negate = true
            index += 1
        }
        var members = ""
        var first = true
        while index < characters.count {
            let character = characters[index]
            if character == "]", !first {
                return ("[" + (negate ? "^" : "") + members + "]", index + 1)
            }
            members += (character == "\\" || character == "^" || character == "[" || character == "]")
                ? "\\" + String(character) : String(character)
            first = false
            index += 1
        }
        return nil
    }

    private static func escaped(_ character: Character) -> String {
        "\\.+()|{}^$]".contains(character) ? "\\" + String(character) : String(character)
    }
}
