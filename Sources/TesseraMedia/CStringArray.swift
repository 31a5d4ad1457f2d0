// NULL-terminated arrays of C strings for the shims' `const char *const *` parameters.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns C copies of `strings` followed by a NULL entry; freed when released. Keep the array
/// alive (`withExtendedLifetime`) while C code reads `base`.
final class CStringArray {
    let base: UnsafeMutablePointer<UnsafePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        base = .allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { base[i] = UnsafePointer(strdup(s)) }
        base[strings.count] = nil
    }

    deinit {
        for i in 0..<count { free(UnsafeMutablePointer(mutating: base[i])) }
        base.deallocate()
    }
}
