import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `datetime.now().strftime(format)` as transformers' `strftime_now` global computes it:
/// the local time, formatted by the C library's `strftime` (Python's `time.strftime` calls
/// it too), with Python's own `%f` (microseconds) handled first.
enum Strftime {
    static func format(_ date: Date, _ format: String) throws -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        var t = time_t(seconds)
        var parts = tm()
        guard localtime_r(&t, &parts) != nil else { throw JinjaRuntimeError("strftime_now: the date is out of range") }
        let micros = min(max(Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded()), 0), 999_999)
        let microText = String(repeating: "0", count: 6 - String(micros).count) + String(micros)
        // Replace %f (but not %%f) before the C library sees the format.
        var prepared = ""
        var scalars = format.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            guard c == "%" else { prepared.unicodeScalars.append(c); continue }
            guard let d = scalars.next() else { prepared += "%"; break }
            if d == "f" { prepared += microText } else { prepared += "%" + String(d) }
        }
        if prepared.isEmpty { return "" }
        var capacity = 256 + prepared.utf8.count * 16
        while capacity <= 1 << 20 {
            var buffer = [CChar](repeating: 0, count: capacity)
            let n = strftime(&buffer, capacity, prepared, &parts)
            if n > 0 {
                return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity *= 4
        }
        // strftime returns 0 both for an empty result and for a too-small buffer.
        return ""
    }
}
