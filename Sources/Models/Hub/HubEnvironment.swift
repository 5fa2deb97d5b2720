import Foundation

/// Where the Hugging Face cache is and how to reach the Hub, read from the environment as
/// huggingface_hub reads it.
public struct HubEnvironment: Sendable, Equatable {
    /// The hub cache: `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`.
    public var cacheDirectory: URL
    /// `HF_ENDPOINT`, default `https://huggingface.co`, without a trailing `/`.
    public var endpoint: String
    /// `HF_TOKEN`, sent as `Authorization: Bearer …` when set.
    public var token: String?
    /// `HF_HUB_OFFLINE` (or `TRANSFORMERS_OFFLINE`) is 1/ON/YES/TRUE: use the cache only.
    public var offline: Bool
    /// Whether a progress bar may be drawn on stderr.
    public var showProgress: Bool

    /// Creates an environment from explicit values.
    public init(cacheDirectory: URL, endpoint: String = "https://huggingface.co", token: String? = nil,
                offline: Bool = false, showProgress: Bool = false) {
        self.cacheDirectory = cacheDirectory
        var trimmed = endpoint
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.endpoint = trimmed
        self.token = token
        self.offline = offline
        self.showProgress = showProgress
    }

    /// Reads `HF_HUB_CACHE` (or the legacy `HUGGINGFACE_HUB_CACHE`), `HF_HOME`, `XDG_CACHE_HOME`,
    /// `HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_OFFLINE` / `TRANSFORMERS_OFFLINE` from `variables`.
    public init(variables: [String: String] = ProcessInfo.processInfo.environment, stderrIsTerminal: Bool = isatty(2) == 1) {
        func value(_ key: String) -> String? {
            guard let text = variables[key], !text.isEmpty else { return nil }
            return text
        }
        func expand(_ path: String) -> URL { URL(fileURLWithPath: (path as NSString).expandingTildeInPath) }
        let cache: URL
        if let hub = value("HF_HUB_CACHE") ?? value("HUGGINGFACE_HUB_CACHE") {
            cache = expand(hub)
        } else if let home = value("HF_HOME") {
            cache = expand(home).appendingPathComponent("hub")
        } else if let xdg = value("XDG_CACHE_HOME") {
            cache = expand(xdg).appendingPathComponent("huggingface/hub")
        } else {
            cache = expand("~/.cache/huggingface/hub")
        }
        let truthy: Set<String> = ["1", "ON", "YES", "TRUE"]
        let offline = [value("HF_HUB_OFFLINE"), value("TRANSFORMERS_OFFLINE")].contains { $0.map { truthy.contains($0.uppercased()) } ?? false }
        self.init(cacheDirectory: cache, endpoint: value("HF_ENDPOINT") ?? "https://huggingface.co",
                  token: value("HF_TOKEN") ?? value("HUGGING_FACE_HUB_TOKEN"), offline: offline, showProgress: stderrIsTerminal)
    }
}
