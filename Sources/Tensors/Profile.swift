import Foundation
import Synchronization

/// Wall-clock totals per named phase, collected when SWIFTQUANT_PROFILE is set (diagnostics only).
public enum Profile {
    public static let enabled = ProcessInfo.processInfo.environment["SWIFTQUANT_PROFILE"] != nil
    static let totals = Mutex<[String: Double]>([:])

    @inlinable
    public static func time<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        guard enabled else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { record(name, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }

    public static func record(_ name: String, _ seconds: Double) {
        totals.withLock { $0[name, default: 0] += seconds }
    }

    /// The totals, largest first, one `name seconds` line each.
    public static func report() -> String {
        totals.withLock { t in
            t.sorted { $0.value > $1.value }.map { String(format: "%-24@ %8.3f s", $0.key as NSString, $0.value) }.joined(separator: "\n")
        }
    }
}
