import CBLAS

/// Allocator settings for the forward pass, which frees and reallocates the same activation sizes
/// every layer.
public enum MemoryTuning {
    /// Keeps freed heap memory for reuse instead of returning it to the kernel, so that per-layer
    /// activation buffers do not page-fault (and get zeroed by the kernel) again on every layer.
    /// Buffers up to 32 MiB come from the heap; larger ones are still mapped and unmapped.
    public static func reuseFreedMemory() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}
