import Foundation
import Dispatch

/// Splits independent work over the machine's cores.
public enum Parallel {
    /// Runs `body(i)` for i in 0..<count, concurrently.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        // The callers write disjoint ranges of shared buffers; the closure itself is not Sendable.
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            DispatchQueue.concurrentPerform(iterations: count) { work($0) }
        }
    }

    /// Runs `body(range)` over contiguous chunks of 0..<count, one chunk per worker.
    public static func chunks(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = max(1, min(activeWorkers, count / max(1, minimumChunk)))
        if workers <= 1 {
            body(0..<count)
            return
        }
        let size = (count + workers - 1) / workers
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = w * size
                let end = min(count, start + size)
                if start < end { work(start..<end) }
            }
        }
    }

    /// Number of workers used for chunked loops.
    public static var activeWorkers: Int { ProcessInfoCores.count }
}

/// The number of workers, read once: `SWIFTQUANT_THREADS` (1…1024) when set, else the active
/// processor count. OpenBLAS is pinned to one thread because SwiftQuant splits work itself, and
/// every split is made so that results do not depend on this number.
public enum ProcessInfoCores {
    public static let count: Int = {
        if let text = ProcessInfo.processInfo.environment["SWIFTQUANT_THREADS"], let value = Int(text), (1...1024).contains(value) {
            return value
        }
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }()

    /// A one-line message when `SWIFTQUANT_THREADS` is set but not an integer in 1…1024 (it is
    /// then not used); nil when unset or fine.
    public static func environmentProblem() -> String? {
        guard let text = ProcessInfo.processInfo.environment["SWIFTQUANT_THREADS"], !text.isEmpty else { return nil }
        if let value = Int(text), (1...1024).contains(value) { return nil }
        return "SWIFTQUANT_THREADS=\(text) is not an integer in 1…1024"
    }
}

#if canImport(Glibc)
import Glibc
#endif
