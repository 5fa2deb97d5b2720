import Models

/// SHA-256 of a whole message, as 64 lowercase hex digits: the reference id files store hashes of id
/// sequences instead of the ids themselves (see Tests/References/README.md). The Hub downloader's
/// hasher computes it; ReferenceTokenizationTests checks the FIPS examples through this wrapper.
func sha256Hex(_ message: [UInt8]) -> String {
    var hasher = SHA256Hasher()
    hasher.update(message)
    return hasher.finalizeHex()
}
