// One tensor as a safetensors header describes it.

/// A tensor's name, element type, shape and where its bytes lie in the data section.
public struct SafetensorsEntry: Equatable, Sendable {
    public var name: String
    public var dtype: SafetensorsDType
    /// Row-major shape; `[]` is a scalar.
    public var shape: [Int]
    /// `data_offsets` from the header: byte range within the data section (after the header).
    public var dataOffsets: Range<Int>

    public init(name: String, dtype: SafetensorsDType, shape: [Int], dataOffsets: Range<Int>) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    /// Number of elements, product of the shape (validated not to overflow when parsed).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Number of bytes of data.
    public var byteCount: Int { dataOffsets.count }
}
