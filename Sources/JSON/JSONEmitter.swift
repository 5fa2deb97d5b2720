/// The state of one `JSONWriter` write: the output so far and the containers open around the
/// value being written (the writer's own stack).
struct JSONEmitter {
    /// A container being written: its elements (for an array) or members (for an object, sorted
    /// if the layout sorts), and the next one to write.
    private struct Frame {
        let elements: [JSONValue]
        let members: [JSONMember]
        let isObject: Bool
        var next = 0

        var count: Int { isObject ? members.count : elements.count }
    }

    let layout: JSONLayout
    var out: [UInt8] = []
    private let indent: [UInt8]?
    private let itemSeparator: [UInt8]
    private let keySeparator: [UInt8]
    private var stack: [Frame] = []

    init(layout: JSONLayout) {
        self.layout = layout
        indent = layout.indent.map { Array($0.utf8) }
        itemSeparator = Array(layout.itemSeparator.utf8)
        keySeparator = Array(layout.keySeparator.utf8)
    }

    private mutating func newline(level: Int) {
        guard let indent else { return }
        out.append(0x0A)
        for _ in 0..<level { out.append(contentsOf: indent) }
    }

    mutating func write(_ root: JSONValue) {
        writeValue(root)
        while !stack.isEmpty {
            let last = stack.count - 1
            let frame = stack[last]
            if frame.next < frame.count {
                stack[last].next += 1
                if frame.next > 0 { out.append(contentsOf: itemSeparator) }
                newline(level: stack.count)
                if frame.isObject {
                    let member = frame.members[frame.next]
                    writeString(member.key)
                    out.append(contentsOf: keySeparator)
                    writeValue(member.value)
                } else {
                    writeValue(frame.elements[frame.next])
                }
            } else {
                stack.removeLast()
                newline(level: stack.count)
                out.append(frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
            }
        }
    }

    /// Writes a scalar or an empty container, or opens a container (pushing its frame).
    private mutating func writeValue(_ value: JSONValue) {
        switch value {
        case .null:
            out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b):
            out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .number(let number):
            writeNumber(number)
        case .string(let s):
            writeString(s)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            if elements.isEmpty {
                closeEmpty(UInt8(ascii: "]"))
            } else {
                stack.append(Frame(elements: elements, members: [], isObject: false))
            }
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            if object.isEmpty {
                closeEmpty(UInt8(ascii: "}"))
            } else {
                var members = object.members
                if layout.sortKeys {
                    // Stable: members with equal keys keep their order.
                    members = members.enumerated().sorted { a, b in
                        if a.element.key.utf8.elementsEqual(b.element.key.utf8) { return a.offset < b.offset }
                        return a.element.key.utf8.lexicographicallyPrecedes(b.element.key.utf8)
                    }.map(\.element)
                }
                stack.append(Frame(elements: [], members: members, isObject: true))
            }
        }
    }

    private mutating func closeEmpty(_ bracket: UInt8) {
        if layout.expandsEmptyContainers, indent != nil {
            out.append(0x0A)
            newline(level: stack.count)
        }
        out.append(bracket)
    }

    private mutating func writeNumber(_ number: JSONNumber) {
        switch number.storage {
        case .int, .uint, .bigInteger:
            out.append(contentsOf: number.description.utf8)
        case .double(let d):
            out.append(contentsOf: layout.floatFormat.text(d).utf8)
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendUnicodeEscape(_ value: UInt32) {
        out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(Self.hexDigits[Int((value >> UInt32(shift)) & 0xF)])
        }
    }

    mutating func writeString(_ text: String) {
        out.append(0x22)
        var copy = text
        copy.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            let count = utf8.count
            while i < count {
                let byte = utf8[i]
                let escape: [UInt8]?
                var length = 1
                switch byte {
                case 0x22: escape = [0x5C, 0x22]
                case 0x5C: escape = [0x5C, 0x5C]
                case 0x08: escape = [0x5C, UInt8(ascii: "b")]
                case 0x09: escape = [0x5C, UInt8(ascii: "t")]
                case 0x0A: escape = [0x5C, UInt8(ascii: "n")]
                case 0x0C: escape = [0x5C, UInt8(ascii: "f")]
                case 0x0D: escape = [0x5C, UInt8(ascii: "r")]
                case 0x00..<0x20: escape = []
                case UInt8(ascii: "/") where layout.escapesSlashes: escape = [0x5C, 0x2F]
                case 0x7F where layout.asciiOnly: escape = []
                case 0x80... where layout.asciiOnly: escape = []
                default: escape = nil
                }
                guard let escape else {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                if !escape.isEmpty {
                    out.append(contentsOf: escape)
                } else if byte < 0x80 {
                    appendUnicodeEscape(UInt32(byte))
                } else {
                    // A valid UTF-8 sequence (the string is a Swift String).
                    let scalar: UInt32
                    if byte < 0xE0 {
                        length = 2
                        scalar = UInt32(byte & 0x1F) << 6 | UInt32(utf8[i + 1] & 0x3F)
                    } else if byte < 0xF0 {
                        length = 3
                        scalar = UInt32(byte & 0x0F) << 12 | UInt32(utf8[i + 1] & 0x3F) << 6 | UInt32(utf8[i + 2] & 0x3F)
                    } else {
                        length = 4
                        scalar = UInt32(byte & 0x07) << 18 | UInt32(utf8[i + 1] & 0x3F) << 12
                            | UInt32(utf8[i + 2] & 0x3F) << 6 | UInt32(utf8[i + 3] & 0x3F)
                    }
                    if scalar >= 0x10000 {
                        let v = scalar - 0x10000
                        appendUnicodeEscape(0xD800 + (v >> 10))
                        appendUnicodeEscape(0xDC00 + (v & 0x3FF))
                    } else {
                        appendUnicodeEscape(scalar)
                    }
                }
                i += length
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        }
        out.append(0x22)
    }
}
