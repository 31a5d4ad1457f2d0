// The BLAS facade: OpenBLAS loaded at run time with the core type chosen from the CPU (see
// Sources/COpenBLAS), sgemm over raw pointers, and batched/strided GEMM.

import COpenBLAS

/// Where the OpenBLAS core type in use came from.
public enum CoreTypeSource: String, Sendable {
    /// Tessera chose it from the CPU's features.
    case auto
    /// The user's `OPENBLAS_CORETYPE` was kept.
    case user
    /// Neither: OpenBLAS detected the CPU itself.
    case openblas
}

/// Access to OpenBLAS. Loading is lazy: the first kernel call loads it, or call `load()` early
/// to turn a missing library into a clean error.
public enum BLAS {
    /// Transposition of a GEMM operand.
    public enum Transpose: Sendable {
        case none, transpose
        var cblas: Int32 { self == .none ? Int32(TESSERA_CBLAS_NO_TRANS) : Int32(TESSERA_CBLAS_TRANS) }
    }

    private static let loadResult: Result<Void, BLASError> = {
        if tessera_blas_load() != 0 {
            return .failure(BLASError(String(cString: tessera_blas_error())))
        }
        Threads.blasDidLoad()
        return .success(())
    }()

    /// Loads OpenBLAS (once) and applies the thread count. Throws `BLASError` when missing.
    public static func load() throws {
        try loadResult.get()
    }

    /// Whether OpenBLAS has been loaded successfully (does not load it).
    public static var isLoaded: Bool { tessera_blas_is_loaded() != 0 }

    @inline(__always)
    static func ensureLoaded() {
        if case .failure(let error) = loadResult {
            fatalError("tessera: \(error)")
        }
    }

    // MARK: - Information

    /// The kernel family OpenBLAS runs, e.g. "SkylakeX".
    public static var coreName: String {
        ensureLoaded()
        return String(cString: tessera_blas_corename()).trimmingCharacters()
    }

    /// OpenBLAS's build string, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64".
    public static var config: String {
        ensureLoaded()
        return String(cString: tessera_blas_config()).trimmingCharacters()
    }

    /// The OpenBLAS version parsed from `config` ("0.3.21"), or nil.
    public static var version: String? {
        let words = config.split(separator: " ")
        guard let index = words.firstIndex(of: "OpenBLAS"), index + 1 < words.count else { return nil }
        return String(words[index + 1])
    }

    /// The `OPENBLAS_CORETYPE` in force when the library loaded, and where it came from.
    public static var requestedCoreType: (name: String?, source: CoreTypeSource) {
        ensureLoaded()
        let name = String(cString: tessera_blas_requested_coretype())
        switch tessera_blas_coretype_source() {
        case TESSERA_CORETYPE_AUTO: return (name, .auto)
        case TESSERA_CORETYPE_USER: return (name, .user)
        default: return (nil, .openblas)
        }
    }

    /// `OPENBLAS_THREAD_TIMEOUT` in force at load (log2 of the cycles idle workers spin) and
    /// whether the user set it; Tessera sets 4 otherwise, so workers sleep between calls.
    public static var threadTimeout: (value: String, setByUser: Bool) {
        ensureLoaded()
        return (String(cString: tessera_blas_thread_timeout()), tessera_blas_thread_timeout_is_user() != 0)
    }

    /// The library file that was loaded.
    public static var libraryName: String {
        ensureLoaded()
        return String(cString: tessera_blas_library_name())
    }

    /// The number of threads OpenBLAS uses.
    public static var threads: Int {
        ensureLoaded()
        return Int(tessera_blas_get_num_threads())
    }

    static func setThreads(_ n: Int) {
        tessera_blas_set_num_threads(Int32(n))
    }

    // MARK: - GEMM

    /// Row-major single-precision GEMM: C = alpha · op(A) · op(B) + beta · C.
    ///
    /// op(A) is (m, k), op(B) is (k, n), C is (m, n); `lda`, `ldb`, `ldc` are the row strides
    /// (in elements) of A, B, C as stored (A stored (m, lda≥k) untransposed, (k, lda≥m) transposed).
    @inlinable
    public static func sgemm(
        transA: Transpose = .none, transB: Transpose = .none,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        sgemmRaw(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                 b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }

    @usableFromInline
    static func sgemmRaw(
        transA: Transpose, transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        ensureLoaded()
        precondition(m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max),
                     "sgemm dimensions exceed Int32")
        if k == 0 {
            // cblas would scale C by beta; do the same explicitly (beta = 0 clears NaNs too).
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 { row.update(repeating: 0, count: n) } else { for j in 0..<n { row[j] *= beta } }
            }
            return
        }
        tessera_sgemm(Int32(TESSERA_CBLAS_ROW_MAJOR), transA.cblas, transB.cblas,
                      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta,
                      c, Int32(ldc))
    }

    /// Strided batched GEMM: for each i in 0..<batch, C_i = alpha · op(A_i) · op(B_i) + beta · C_i
    /// where X_i = X + i · strideX (elements). A stride of 0 shares one operand across the batch.
    ///
    /// Small products run in parallel over the batch, each single-threaded inside OpenBLAS; large
    /// ones run one after another, each using every thread.
    public static func sgemmStridedBatched(
        transA: Transpose = .none, transB: Transpose = .none,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, strideA: Int,
        b: UnsafePointer<Float>, ldb: Int, strideB: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int,
        batch: Int
    ) {
        if batch == 0 || m == 0 || n == 0 { return }
        ensureLoaded()
        let work = m * n * max(k, 1)
        // Above ~64³ multiply-adds per product, OpenBLAS's own threading pays off.
        if batch == 1 || work >= 1 << 18 || Threads.count == 1 {
            for i in 0..<batch {
                sgemmRaw(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                         a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb,
                         beta: beta, c: c + i * strideC, ldc: ldc)
            }
            return
        }
        Threads.parallelFor(batch, singleThreadedBLAS: true) { range in
            for i in range {
                sgemmRaw(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                         a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb,
                         beta: beta, c: c + i * strideC, ldc: ldc)
            }
        }
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
