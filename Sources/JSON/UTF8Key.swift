/// A dictionary key that compares and hashes a string by its UTF-8 bytes (Swift's `String`
/// compares canonically equivalent strings equal; JSON keys are byte strings).
struct UTF8Key: Hashable {
    let text: String

    init(_ text: String) {
        self.text = text
    }

    static func == (left: UTF8Key, right: UTF8Key) -> Bool {
        left.text.utf8.elementsEqual(right.text.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
