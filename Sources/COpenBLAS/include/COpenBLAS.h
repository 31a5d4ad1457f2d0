// COpenBLAS: OpenBLAS loaded at run time, after the right core type is chosen.
//
// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) does not recognise recent CPUs such as AMD Zen 4 and
// falls back to its slowest x86-64 kernels ("Prescott"). It reads OPENBLAS_CORETYPE once, in
// its load-time constructor, so the variable must be set before the library is loaded. This
// shim detects the CPU's features with cpuid/xgetbv, sets OPENBLAS_CORETYPE for the duration
// of dlopen (unless the user set it), and resolves the few entry points Tessera uses.
// It also sets OPENBLAS_THREAD_TIMEOUT=4 for the load (unless the user set it): idle OpenBLAS
// workers then sleep at once instead of spinning ~0.1 s next to Tessera's own loops.
// TESSERA_BLAS_CORETYPE=off leaves the choice to OpenBLAS's own detection;
// TESSERA_OPENBLAS_LIBRARY=/path/libopenblas.so loads that library instead of the system's.
// Nothing links OpenBLAS at build time: only libdl.

#ifndef TESSERA_COPENBLAS_H
#define TESSERA_COPENBLAS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CBLAS enumeration values (identical to cblas.h).
enum {
    TESSERA_CBLAS_ROW_MAJOR = 101,
    TESSERA_CBLAS_NO_TRANS = 111,
    TESSERA_CBLAS_TRANS = 112,
};

/// CPU features relevant to OpenBLAS's kernel choice; each flag is 1 only when the CPU has the
/// instructions AND the operating system saves the register state they need (xgetbv).
typedef struct {
    int sse3, avx, avx2, fma, f16c;
    int avx512f, avx512bw, avx512dq, avx512vl, avx512bf16;
    char vendor[13];
    char brand[49];
} tessera_cpu_features;

/// Fills `out` from cpuid and xgetbv (zeros on non-x86 machines).
void tessera_cpu_detect(tessera_cpu_features *out);

/// The core type Tessera chooses for these features: "SkylakeX" when AVX-512 F/BW/DQ/VL are
/// usable, "Haswell" when AVX2 and FMA are, NULL otherwise (OpenBLAS's own detection then).
const char *tessera_cpu_preferred_coretype(const tessera_cpu_features *features);

/// How OPENBLAS_CORETYPE was decided when the library was loaded.
typedef enum {
    TESSERA_CORETYPE_UNSET = 0,  ///< No preference: OpenBLAS detected the CPU itself.
    TESSERA_CORETYPE_AUTO = 1,   ///< Tessera chose it from the CPU's features.
    TESSERA_CORETYPE_USER = 2,   ///< The user's OPENBLAS_CORETYPE was kept.
} tessera_coretype_source;

/// Loads OpenBLAS once (thread-safe; later calls return the first result). Returns 0 on
/// success; otherwise -1 with a one-line message readable through tessera_blas_error().
int tessera_blas_load(void);
/// 1 once a load has succeeded, 0 before or after a failed one (never loads).
int tessera_blas_is_loaded(void);
/// The error message of a failed load ("" when none).
const char *tessera_blas_error(void);
/// The OPENBLAS_CORETYPE value in force at load ("" when none) and where it came from.
const char *tessera_blas_requested_coretype(void);
tessera_coretype_source tessera_blas_coretype_source(void);
/// The OPENBLAS_THREAD_TIMEOUT in force at load ("4" when Tessera set it) and whether the
/// user set it (1) or Tessera did (0).
const char *tessera_blas_thread_timeout(void);
int tessera_blas_thread_timeout_is_user(void);
/// The path or soname that was loaded.
const char *tessera_blas_library_name(void);

// The entry points below require a successful tessera_blas_load().

/// The kernel family OpenBLAS runs (e.g. "SkylakeX"), from openblas_get_corename.
const char *tessera_blas_corename(void);
/// OpenBLAS's build description (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ...").
const char *tessera_blas_config(void);
void tessera_blas_set_num_threads(int threads);
int tessera_blas_get_num_threads(void);

/// cblas_sgemm, row- or column-major: C = alpha * op(A) * op(B) + beta * C.
void tessera_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c,
                   int ldc);

#ifdef __cplusplus
}
#endif

#endif
