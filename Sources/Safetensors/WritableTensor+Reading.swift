import Foundation

extension SafetensorsFile {
    /// A copy of tensor `name` ready to hand to a writer (same name, dtype, shape and bytes),
    /// e.g. to pass unchanged tensors through when re-writing a checkpoint.
    public func writableTensor(_ name: String) throws -> WritableTensor {
        let info = try info(name)
        return WritableTensor(name: name, dtype: info.dtype, shape: info.shape, bytes: try data(name))
    }
}

extension SafetensorsCheckpoint {
    /// A copy of tensor `name` ready to hand to a writer (see `SafetensorsFile.writableTensor(_:)`).
    public func writableTensor(_ name: String) throws -> WritableTensor {
        try file(containing: name).writableTensor(name)
    }
}
