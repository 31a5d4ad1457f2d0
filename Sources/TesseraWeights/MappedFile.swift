// A read-only view of a whole file through mmap, unmapped when the last owner goes.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a file mapped read-only into memory (or, for tests and fuzzing, a copied
/// buffer). The file must not be truncated while mapped: pages past a new end would fault.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes; valid as long as this object lives.
    public let bytes: UnsafeRawBufferPointer
    /// The path it was opened from, nil for an in-memory buffer.
    public let path: String?
    private let isMapped: Bool

    /// Maps the regular file at `path`. Empty files are held as an empty buffer (mmap
    /// refuses a zero length).
    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SafetensorsError(path: path, reason: .io("cannot open: \(MappedFile.lastError())"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw SafetensorsError(path: path, reason: .io("cannot stat: \(MappedFile.lastError())"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SafetensorsError(path: path, reason: .io("not a regular file"))
        }
        let size = Int(info.st_size)
        self.path = path
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            isMapped = false
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw SafetensorsError(path: path, reason: .io("cannot map \(size) bytes: \(MappedFile.lastError())"))
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        isMapped = true
    }

    /// Holds a copy of `buffer` in memory, 64-byte aligned like a page-aligned mapping.
    public init(copying buffer: UnsafeRawBufferPointer, path: String? = nil) {
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(buffer.count, 1), alignment: 64)
        if let base = buffer.baseAddress, buffer.count > 0 {
            storage.copyMemory(from: base, byteCount: buffer.count)
        }
        bytes = UnsafeRawBufferPointer(start: storage, count: buffer.count)
        self.path = path
        isMapped = false
        ownedStorage = storage
    }

    private var ownedStorage: UnsafeMutableRawPointer?

    deinit {
        if isMapped, let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
        ownedStorage?.deallocate()
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
