import Foundation

/// The architectures SwiftQuant runs, by config.json `model_type`.
public enum ArchitectureRegistry {
    /// The architectures built in; adding one is a file declaring it plus one entry here.
    public static let builtIn: [any DecoderArchitecture] = [Llama(), Qwen2(), Qwen3(), Mistral()]

    private static let added = Locked<[any DecoderArchitecture]>([])

    /// Registers another architecture (e.g. one declared by a program using SwiftQuant as a
    /// library). Throws when its `model_type` is already registered.
    public static func register(_ architecture: any DecoderArchitecture) throws {
        try added.withLock { list in
            guard Self.find(architecture.modelType, in: builtIn + list) == nil else {
                throw ModelError("model_type '\(architecture.modelType)' is already registered")
            }
            list.append(architecture)
        }
    }

    /// The architecture registered under `modelType`.
    public static func architecture(modelType: String) -> (any DecoderArchitecture)? {
        find(modelType, in: all)
    }

    /// Every registered architecture, built-in ones first.
    public static var all: [any DecoderArchitecture] { builtIn + added.withLock { $0 } }

    private static func find(_ modelType: String, in list: [any DecoderArchitecture]) -> (any DecoderArchitecture)? {
        list.first { $0.modelType == modelType }
    }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A model's architecture: its declaration, compared by `model_type`.
public struct ModelArchitecture: Sendable, Equatable, CustomStringConvertible {
    public let declaration: any DecoderArchitecture

    /// Wraps a declaration.
    public init(_ declaration: any DecoderArchitecture) { self.declaration = declaration }

    /// config.json `model_type`.
    public var rawValue: String { declaration.modelType }
    public var description: String { rawValue }

    public static func == (a: ModelArchitecture, b: ModelArchitecture) -> Bool { a.rawValue == b.rawValue }

    public static let llama = ModelArchitecture(Llama())
    public static let qwen2 = ModelArchitecture(Qwen2())
    public static let qwen3 = ModelArchitecture(Qwen3())
    public static let mistral = ModelArchitecture(Mistral())
}
