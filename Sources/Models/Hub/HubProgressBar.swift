import Foundation

/// A one-line download progress bar on stderr, redrawn at most five times a second; silent
/// unless stderr is a terminal (`HubEnvironment.showProgress`).
final class HubProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int64?
    private let enabled: Bool
    private var done: Int64
    private var lastDraw = Date.distantPast

    init(label: String, total: Int64?, already: Int64, enabled: Bool) {
        self.label = label
        self.total = total
        self.done = already
        self.enabled = enabled
    }

    func reset(to bytes: Int64) { done = bytes }

    func advance(_ bytes: Int) {
        done += Int64(bytes)
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.2 else { return }
        draw()
    }

    func finish() {
        guard enabled else { return }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw() {
        lastDraw = Date()
        let megabytes = String(format: "%.1f", Double(done) / 1_000_000)
        var line = "\r\(label)  \(megabytes)"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += String(format: "/%.1f MB [", Double(total) / 1_000_000) + String(repeating: "#", count: filled)
                + String(repeating: " ", count: width - filled) + String(format: "] %3d%%", Int(fraction * 100))
        } else {
            line += " MB"
        }
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }
}
