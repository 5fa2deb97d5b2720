import Formats
import Testing

@Suite("Packing")
struct PackingTests {
    @Test func int4PacksEightPerWordLowNibbleFirst() {
        // Signed values −8…7 become unsigned 0…15 (value + 8).
        let values: [Float] = [-8, -7, 0, 1, 7, -1, 3, 2]
        let packed = Packing.packRows(values, rows: 1, cols: 8, bits: 4)
        let expected: UInt32 = 0x0 | 0x1 << 4 | 0x8 << 8 | 0x9 << 12 | 0xF << 16 | 0x7 << 20 | 0xB << 24 | 0xA << 28
        #expect(packed == [Int32(bitPattern: expected)])
    }

    @Test func int8PacksFourBytesLittleEndian() {
        let packed = Packing.packRows([-128, 127, 0, 1, 5], rows: 1, cols: 5, bits: 8)
        #expect(packed.count == 2)
        #expect(UInt32(bitPattern: packed[0]) == 0x8 << 28 | 0x1 << 24 | 0x80 << 16 | 0xFF << 8 | 0x00)
        #expect(UInt32(bitPattern: packed[1]) == 0x85)
    }

    @Test(arguments: [2, 3, 4, 5, 6, 7, 8])
    func roundTripsEveryWidth(bits: Int) {
        let rows = 3, cols = 37
        let half = 1 << (bits - 1)
        let values: [Float] = (0..<(rows * cols)).map { Float(($0 * 7919) % (2 * half) - half) }
        let packed = Packing.packRows(values, rows: rows, cols: cols, bits: bits)
        #expect(packed.count == rows * ((cols * bits + 31) / 32))
        #expect(Packing.unpackRows(packed, rows: rows, cols: cols, bits: bits) == values)
        let columns = Packing.packColumns(values, rows: rows, cols: cols, bits: bits)
        #expect(columns.count == ((rows * bits + 31) / 32) * cols)
        #expect(Packing.unpackColumns(columns, rows: rows, cols: cols, bits: bits) == values)
    }
}
