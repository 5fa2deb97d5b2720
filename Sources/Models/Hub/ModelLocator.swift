import Foundation

/// Turns a `--model` argument into a checkpoint directory: a path that exists is that path; an
/// `ORG/NAME[@REVISION]` that is not an existing path is a Hugging Face Hub id, resolved through
/// the Hugging Face cache (downloading what is missing unless `HF_HUB_OFFLINE=1`).
public enum ModelLocator {
    /// The Hub id `argument` names, or nil when it is a path (existing, or not of the id form);
    /// a relative path is looked up in `directory` (default: the working directory).
    public static func hubID(_ argument: String, relativeTo directory: URL? = nil) -> HubRepoID? {
        let path = directory.map { $0.appendingPathComponent(argument).path } ?? argument
        guard !argument.hasPrefix("/"), !FileManager.default.fileExists(atPath: path) else { return nil }
        return HubRepoID(parsing: argument)
    }

    /// The directory to open for `argument`.
    public static func resolve(_ argument: String, environment: HubEnvironment = HubEnvironment()) throws(HubError) -> URL {
        guard let id = hubID(argument) else { return URL(fileURLWithPath: argument) }
        return try HubDownloader(environment: environment).snapshot(id)
    }
}
