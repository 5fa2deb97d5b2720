import Foundation
import Tensors

/// Converts little-endian tensor bytes (possibly unaligned) to Swift values.
enum ElementDecoding {
    /// Decodes `raw` holding `destination.count` elements of a floating-point `dtype` into
    /// `destination`. The caller guarantees `raw.count == destination.count · dtype.byteSize`
    /// and that `dtype.isFloatingPoint`.
    static func decodeFloats(_ raw: UnsafeRawBufferPointer, dtype: DType, into destination: UnsafeMutableBufferPointer<Float>) {
        let count = destination.count
        guard count > 0, let source = raw.baseAddress, let out = destination.baseAddress else { return }
        switch dtype {
        case .f32:
            #if _endian(little)
            memcpy(out, source, count * 4)
            #else
            for i in 0..<count {
                out[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
            #endif
        case .f16:
            #if _endian(little)
            if Int(bitPattern: source) % 2 == 0 {
                let halves = source.bindMemory(to: UInt16.self, capacity: count)
                for i in 0..<count { out[i] = FloatBits.f16ToFloat(halves[i]) }
                return
            }
            #endif
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                out[i] = FloatBits.f16ToFloat(bits)
            }
        case .bf16:
            // bf16 → f32 is a 16-bit shift of the bit pattern; write the patterns directly.
            out.withMemoryRebound(to: UInt32.self, capacity: count) { patterns in
                #if _endian(little)
                if Int(bitPattern: source) % 2 == 0 {
                    let halves = source.bindMemory(to: UInt16.self, capacity: count)
                    for i in 0..<count { patterns[i] = UInt32(halves[i]) &<< 16 }
                    return
                }
                #endif
                for i in 0..<count {
                    let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                    patterns[i] = UInt32(bits) &<< 16
                }
            }
        case .f8e4m3:
            FloatBits.f8e4m3Table.withUnsafeBufferPointer { table in
                let bytes = source.bindMemory(to: UInt8.self, capacity: count)
                for i in 0..<count { out[i] = table[Int(bytes[i])] }
            }
        case .i8, .u8, .i32, .i64, .bool:
            break  // excluded by the caller
        }
    }

    /// Copies `raw` into a new array of little-endian fixed-width integers.
    static func decodeIntegers<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, as type: T.Type) -> [T] {
        let count = raw.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0, let source = raw.baseAddress, let out = buffer.baseAddress {
                #if _endian(little)
                memcpy(out, source, count * MemoryLayout<T>.size)
                #else
                for i in 0..<count {
                    out[i] = T(littleEndian: source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                }
                #endif
            }
            initialized = count
        }
    }

    /// Widens any integer or bool tensor to `Int`.
    static func decodeInts(_ raw: UnsafeRawBufferPointer, dtype: DType) -> [Int]? {
        switch dtype {
        case .i8: return decodeIntegers(raw, as: Int8.self).map(Int.init)
        case .u8, .bool: return decodeIntegers(raw, as: UInt8.self).map(Int.init)
        case .i32: return decodeIntegers(raw, as: Int32.self).map(Int.init)
        case .i64: return decodeIntegers(raw, as: Int64.self).map(Int.init)
        case .f32, .f16, .bf16, .f8e4m3: return nil
        }
    }
}
