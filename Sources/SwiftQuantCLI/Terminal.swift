import Foundation

/// Progress lines on stderr, only when stderr is a terminal.
enum Terminal {
    static let isInteractive: Bool = isatty(2) != 0

    /// Rewrites the current status line.
    static func progress(_ text: String) {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    /// Ends a status line.
    static func endProgress() {
        guard isInteractive else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// A line on stderr (always).
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// A failure the CLI reports as one line and exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning any library error into a one-line CLIError.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as CLIError {
        throw error
    } catch let error as CustomStringConvertible {
        throw CLIError(error.description)
    } catch {
        throw CLIError("\(error)")
    }
}
