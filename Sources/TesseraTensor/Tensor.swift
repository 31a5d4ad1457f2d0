// The tensor type: fp32, row-major, contiguous.

/// A dense fp32 tensor stored row-major and contiguous: the last dimension varies fastest.
/// Kernels are free functions over buffers; `Tensor` carries a shape with its data between them.
public struct Tensor: Sendable, Equatable {
    /// Dimensions, outermost first, e.g. (B, L, D).
    public private(set) var shape: [Int]
    /// The elements, `shape.reduce(1, *)` of them.
    public var data: [Float]

    /// A tensor with the given shape and elements; `data.count` must equal the element count.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(Tensor.count(of: shape) == data.count,
                     "shape \(shape) holds \(Tensor.count(of: shape)) elements, data has \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: Tensor.count(of: shape)))
    }

    /// A tensor filled with one value.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: value, count: Tensor.count(of: shape)))
    }

    /// The number of elements of a shape (1 for a scalar's empty shape).
    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The number of elements.
    public var count: Int { data.count }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// Dimension `i`; negative indices count from the end (-1 is the last).
    public func dim(_ i: Int) -> Int { shape[i < 0 ? shape.count + i : i] }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = step
            step *= shape[i]
        }
        return strides
    }

    /// The same elements under another shape; one dimension may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var copy = self
        copy.reshape(newShape)
        return copy
    }

    /// Changes the shape in place; one dimension may be -1 (inferred).
    public mutating func reshape(_ newShape: [Int]) {
        var resolved = newShape
        if let i = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && data.count % known == 0,
                         "cannot reshape \(shape) to \(newShape)")
            resolved[i] = data.count / known
        }
        precondition(Tensor.count(of: resolved) == data.count, "cannot reshape \(shape) to \(newShape)")
        shape = resolved
    }

    /// Element at a full multi-index (slow; for tests and debugging).
    public subscript(index: Int...) -> Float {
        get { data[offset(index)] }
        set { data[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var offset = 0
        for (i, dimension) in shape.enumerated() {
            precondition(index[i] >= 0 && index[i] < dimension, "index \(index) out of shape \(shape)")
            offset = offset * dimension + index[i]
        }
        return offset
    }

    /// Read access to the elements as a buffer.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeBufferPointer(body)
    }

    /// Write access to the elements as a buffer.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try data.withUnsafeMutableBufferPointer(body)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = data.prefix(6).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), data: [\(head)\(data.count > 6 ? ", …" : "")])"
    }
}
