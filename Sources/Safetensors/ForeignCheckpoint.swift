import Foundation

/// Weight formats SwiftQuant cannot read, recognized by file name only (the bytes are never
/// opened), so that refusing them can say how to convert them to safetensors.
/// PyTorch pickles: `pytorch_model.bin`, its shards `pytorch_model-*.bin`, `*.pt`, `*.pth`.
/// GGUF: `*.gguf`. Other `*.bin` names (e.g. `training_args.bin`) are not weights.
public enum ForeignCheckpoint {
    enum Kind { case pickle, gguf }

    static func kind(ofFileNamed name: String) -> Kind? {
        let lower = name.lowercased()
        if lower.hasSuffix(".gguf") { return .gguf }
        if lower.hasSuffix(".pt") || lower.hasSuffix(".pth") { return .pickle }
        if lower.hasPrefix("pytorch_model") && lower.hasSuffix(".bin") { return .pickle }
        return nil
    }

    /// The reason (without the path prefix) SwiftQuant cannot open `url`, or nil:
    /// `url` is a pickle or GGUF file, or a folder holding such files and no `*.safetensors`
    /// file nor `*.safetensors.index.json`.
    public static func refusal(for url: URL) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return nil }
        if !isDirectory.boolValue {
            guard let kind = kind(ofFileNamed: url.lastPathComponent) else { return nil }
            return message(kind, found: url.lastPathComponent, file: url.lastPathComponent, isFile: true)
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        if names.contains(where: { $0.lowercased().hasSuffix(".safetensors") || $0.lowercased().hasSuffix(".safetensors.index.json") }) {
            return nil
        }
        let foreign = names.compactMap { name in kind(ofFileNamed: name).map { (name, $0) } }
        // Pickles first: a folder with both is a transformers folder that also ships a GGUF.
        guard let first = foreign.first(where: { $0.1 == .pickle }) ?? foreign.first else { return nil }
        let count = foreign.filter { $0.1 == first.1 }.count
        let found = count > 1 ? "\(first.0) and \(count - 1) more" : first.0
        return message(first.1, found: found, file: first.0, isFile: false)
    }

    static func message(_ kind: Kind, found: String, file: String, isFile: Bool) -> String {
        switch kind {
        case .pickle:
            let what = isFile ? "is a PyTorch pickle file (\(found)), not a model folder with safetensors weights"
                              : "holds PyTorch pickle weights (\(found)) and no safetensors"
            return what + ": convert them to safetensors first, e.g. with transformers: "
                + "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True) "
                + "(dir: the Hugging Face folder with config.json), then pass out"
        case .gguf:
            let what = isFile ? "is a GGUF file (\(found)), not a model folder with safetensors weights"
                              : "holds GGUF weights (\(found)) and no safetensors"
            return what + ": SwiftQuant reads Hugging Face safetensors only; convert it first, e.g. with "
                + "transformers (pip install gguf; weights are dequantized to fp32): "
                + "AutoModelForCausalLM.from_pretrained(dir, gguf_file=\"\(file)\").save_pretrained(out) "
                + "and AutoTokenizer likewise (dir: the folder holding it), then pass out"
        }
    }
}
