import Foundation

/// Python's arithmetic operators on template values (`+ - * / // % **`), with Python's
/// results and `TypeError` messages.
enum JinjaArithmetic {
    static func apply(_ op: BinaryOperator, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        if case .undefined(let message) = a { throw JinjaRuntimeError(message) }
        if case .undefined(let message) = b { throw JinjaRuntimeError(message) }
        switch op {
        case .add: return try add(a, b)
        case .subtract:
            return try numeric(a, b, "-", { $0.subtractingReportingOverflow($1) }, { $0 - $1 })
        case .multiply: return try multiply(a, b)
        case .divide:
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("/", a, b) }
            guard y != 0 else { throw JinjaRuntimeError("ZeroDivisionError: division by zero") }
            return .double(x / y)
        case .floorDivide:
            if let i = a.intValue, let j = b.intValue {
                guard j != 0 else { throw JinjaRuntimeError("ZeroDivisionError: integer division or modulo by zero") }
                return .int(floorDivide(i, j))
            }
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("//", a, b) }
            guard y != 0 else { throw JinjaRuntimeError("ZeroDivisionError: float floor division by zero") }
            return .double((x / y).rounded(.down))
        case .modulo:
            if case .string(let format) = a { return .string(try PythonFormat.percent(format, b)) }
            if let i = a.intValue, let j = b.intValue {
                guard j != 0 else { throw JinjaRuntimeError("ZeroDivisionError: integer division or modulo by zero") }
                return .int(i - floorDivide(i, j) * j)
            }
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("%", a, b) }
            guard y != 0 else { throw JinjaRuntimeError("ZeroDivisionError: float modulo") }
            var r = fmod(x, y)
            if r != 0 && (r < 0) != (y < 0) { r += y }
            return .double(r)
        case .power:
            if let i = a.intValue, let j = b.intValue, j >= 0 {
                var result = 1, base = i, e = j
                while e > 0 {
                    if e & 1 == 1 {
                        let (r, o) = result.multipliedReportingOverflow(by: base)
                        if o { throw JinjaRuntimeError("integer overflow in **") }
                        result = r
                    }
                    e >>= 1
                    if e > 0 {
                        let (sq, o) = base.multipliedReportingOverflow(by: base)
                        if o { throw JinjaRuntimeError("integer overflow in **") }
                        base = sq
                    }
                }
                return .int(result)
            }
            guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported("** or pow()", a, b) }
            return .double(pow(x, y))
        case .and, .or:
            // Evaluated lazily by the interpreter; never reaches here.
            return b
        }
    }

    private static func floorDivide(_ i: Int, _ j: Int) -> Int {
        let q = i / j
        return (i % j != 0 && ((i < 0) != (j < 0))) ? q - 1 : q
    }

    private static func unsupported(_ op: String, _ a: JinjaValue, _ b: JinjaValue) -> JinjaRuntimeError {
        JinjaRuntimeError("TypeError: unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    private static func numeric(_ a: JinjaValue, _ b: JinjaValue, _ op: String,
                                _ intOp: (Int, Int) -> (partialValue: Int, overflow: Bool),
                                _ doubleOp: (Double, Double) -> Double) throws -> JinjaValue {
        if let i = a.intValue, let j = b.intValue {
            let (r, overflow) = intOp(i, j)
            if overflow { throw JinjaRuntimeError("integer overflow in \(op)") }
            return .int(r)
        }
        guard let x = a.doubleValue, let y = b.doubleValue else { throw unsupported(op, a, b) }
        return .double(doubleOp(x, y))
    }

    private static func add(_ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        switch (a, b) {
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.list(let x), .list(let y)): return .list(x + y)
        case (.tuple(let x), .tuple(let y)): return .tuple(x + y)
        case (.string, _), (.list, _), (.tuple, _):
            throw JinjaRuntimeError("TypeError: can only concatenate \(a.typeName) (not \"\(b.typeName)\") to \(a.typeName)")
        default: break
        }
        return try numeric(a, b, "+", { $0.addingReportingOverflow($1) }, { $0 + $1 })
    }

    private static func multiply(_ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        func repeated(_ count: Int, _ sequence: JinjaValue) throws -> JinjaValue? {
            let n = max(count, 0)
            switch sequence {
            case .string(let s):
                guard n * s.unicodeScalars.count <= 10_000_000 else { throw JinjaRuntimeError("MemoryError: repeated string too long") }
                return .string(String(repeating: s, count: n))
            case .list(let items):
                guard n * items.count <= 10_000_000 else { throw JinjaRuntimeError("MemoryError: repeated list too long") }
                return .list(Array([[JinjaValue]](repeating: items, count: n).joined()))
            case .tuple(let items):
                guard n * items.count <= 10_000_000 else { throw JinjaRuntimeError("MemoryError: repeated tuple too long") }
                return .tuple(Array([[JinjaValue]](repeating: items, count: n).joined()))
            default: return nil
            }
        }
        if let n = b.intValue, let r = try repeated(n, a) { return r }
        if let n = a.intValue, let r = try repeated(n, b) { return r }
        return try numeric(a, b, "*", { $0.multipliedReportingOverflow(by: $1) }, { $0 * $1 })
    }
}

/// Python's printf-style `%` string formatting, for `'…' % value` and the `format` filter:
/// `%s %r %d %i %f %x %%` with optional flags, width and precision.
enum PythonFormat {
    static func percent(_ format: String, _ arguments: JinjaValue) throws -> String {
        var args: [JinjaValue]
        var mapping: JinjaDict?
        switch arguments {
        case .tuple(let items): args = items
        case .dict(let d): args = [arguments]; mapping = d
        default: args = [arguments]
        }
        let f = PythonText.scalars(format)
        var out = ""
        var i = 0, next = 0
        while i < f.count {
            let c = f[i]
            guard c == "%" else { out.unicodeScalars.append(c); i += 1; continue }
            i += 1
            guard i < f.count else { throw JinjaRuntimeError("ValueError: incomplete format") }
            var value: JinjaValue?
            if f[i] == "(" {
                guard let close = f[i...].firstIndex(of: ")") else { throw JinjaRuntimeError("ValueError: incomplete format key") }
                let key = PythonText.string(f[(i + 1)..<close])
                guard let mapping, let v = mapping.value(for: key) else { throw JinjaRuntimeError("KeyError: \(PythonText.repr(key))") }
                value = v
                i = close + 1
            }
            var flags = "", width = "", precision: String?
            while i < f.count, "-+ #0".unicodeScalars.contains(f[i]) { flags.unicodeScalars.append(f[i]); i += 1 }
            while i < f.count, f[i].properties.numericType == .decimal { width.unicodeScalars.append(f[i]); i += 1 }
            if i < f.count, f[i] == "." {
                i += 1
                var p = ""
                while i < f.count, f[i].properties.numericType == .decimal { p.unicodeScalars.append(f[i]); i += 1 }
                precision = p
            }
            guard i < f.count else { throw JinjaRuntimeError("ValueError: incomplete format") }
            let conversion = f[i]
            i += 1
            if conversion == "%" { out += "%"; continue }
            if value == nil {
                guard next < args.count else { throw JinjaRuntimeError("TypeError: not enough arguments for format string") }
                value = args[next]
                next += 1
            }
            guard let v = value else { continue }
            var text: String
            switch conversion {
            case "s": text = v.str
            case "r": text = v.repr
            case "d", "i":
                guard let n = v.intValue ?? v.doubleValue.map({ Int($0) }) else {
                    throw JinjaRuntimeError("TypeError: %\(conversion) format: a real number is required, not \(v.typeName)")
                }
                text = String(n)
                if flags.contains("+") && n >= 0 { text = "+" + text }
            case "x", "X", "o":
                guard let n = v.intValue else { throw JinjaRuntimeError("TypeError: %\(conversion) format: an integer is required, not \(v.typeName)") }
                text = String(n, radix: conversion == "o" ? 8 : 16, uppercase: conversion == "X")
            case "f", "F", "e", "g":
                guard let d = v.doubleValue else { throw JinjaRuntimeError("TypeError: must be real number, not \(v.typeName)") }
                text = String(format: "%.\(precision.flatMap { Int($0) } ?? 6)\(conversion)", d)
                if flags.contains("+") && d >= 0 { text = "+" + text }
            default:
                throw JinjaRuntimeError("ValueError: unsupported format character '\(conversion)'")
            }
            if let p = precision, conversion == "s" || conversion == "r", let n = Int(p) {
                text = PythonText.string(PythonText.scalars(text).prefix(n))
            }
            if let w = Int(width), text.unicodeScalars.count < w {
                let pad = String(repeating: flags.contains("0") && !flags.contains("-") && conversion != "s" ? "0" : " ",
                                 count: w - text.unicodeScalars.count)
                text = flags.contains("-") ? text + pad : pad + text
            }
            out += text
        }
        if mapping == nil && next < args.count {
            throw JinjaRuntimeError("TypeError: not all arguments converted during string formatting")
        }
        return out
    }
}
