// Run-time loading of OpenBLAS with a core type chosen from the CPU's features.
// See include/COpenBLAS.h for why; the measured effect is in docs/benchmarks.md ("gemm").

#define _GNU_SOURCE
#include "COpenBLAS.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define TESSERA_X86 1
#endif

// MARK: - CPU features

#if TESSERA_X86
static unsigned long long tessera_xgetbv(unsigned int index) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(index));
    return ((unsigned long long)edx << 32) | eax;
}
#endif

void tessera_cpu_detect(tessera_cpu_features *out) {
    memset(out, 0, sizeof *out);
#if TESSERA_X86
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return;
    unsigned int maxLeaf = eax;
    memcpy(out->vendor + 0, &ebx, 4);
    memcpy(out->vendor + 4, &edx, 4);
    memcpy(out->vendor + 8, &ecx, 4);
    out->vendor[12] = 0;

    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    int osxsave = (ecx >> 27) & 1;
    int cpuAVX = (ecx >> 28) & 1;
    int cpuFMA = (ecx >> 12) & 1;
    int cpuF16C = (ecx >> 29) & 1;
    out->sse3 = ecx & 1;

    // XCR0: bits 1-2 = SSE/AVX state, bits 5-7 = opmask and ZMM state (AVX-512).
    unsigned long long xcr0 = osxsave ? tessera_xgetbv(0) : 0;
    int osAVX = (xcr0 & 0x6) == 0x6;
    int osAVX512 = osAVX && (xcr0 & 0xE0) == 0xE0;

    out->avx = cpuAVX && osAVX;
    out->fma = cpuFMA && osAVX;
    out->f16c = cpuF16C && osAVX;
    if (maxLeaf >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        out->avx2 = ((ebx >> 5) & 1) && osAVX;
        out->avx512f = ((ebx >> 16) & 1) && osAVX512;
        out->avx512dq = ((ebx >> 17) & 1) && osAVX512;
        out->avx512bw = ((ebx >> 30) & 1) && osAVX512;
        out->avx512vl = ((ebx >> 31) & 1) && osAVX512;
        __cpuid_count(7, 1, eax, ebx, ecx, edx);
        out->avx512bf16 = ((eax >> 5) & 1) && osAVX512;
    }

    unsigned int brand[12];
    if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x80000004) {
        for (unsigned int i = 0; i < 3; i++) {
            __get_cpuid(0x80000002 + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2],
                        &brand[4 * i + 3]);
        }
        memcpy(out->brand, brand, 48);
        out->brand[48] = 0;
        // cpuid pads the brand string with leading spaces on some parts.
        char *start = out->brand;
        while (*start == ' ') start++;
        memmove(out->brand, start, strlen(start) + 1);
    }
#endif
}

const char *tessera_cpu_preferred_coretype(const tessera_cpu_features *f) {
    if (f->avx512f && f->avx512bw && f->avx512dq && f->avx512vl) return "SkylakeX";
    if (f->avx2 && f->fma) return "Haswell";
    return NULL;
}

// MARK: - Loading

/// log2 of the cycles an idle OpenBLAS worker spins before sleeping (OpenBLAS clamps to 4..30;
/// its default is 28).
#define TESSERA_OPENBLAS_THREAD_TIMEOUT "4"

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_string_fn)(void);

static pthread_once_t loadOnce = PTHREAD_ONCE_INIT;
static int loadStatus = -1;
static char loadError[512] = "";
static char requestedCoretype[64] = "";
static char libraryName[256] = "";
static char threadTimeout[32] = "";
static int threadTimeoutIsUser = 0;
static tessera_coretype_source coretypeSource = TESSERA_CORETYPE_UNSET;

static sgemm_fn p_sgemm;
static set_threads_fn p_set_threads;
static get_threads_fn p_get_threads;
static get_string_fn p_corename;
static get_string_fn p_config;

static void tessera_blas_load_once(void) {
    const char *user = getenv("OPENBLAS_CORETYPE");
    int weSet = 0;
    if (user && user[0]) {
        coretypeSource = TESSERA_CORETYPE_USER;
        snprintf(requestedCoretype, sizeof requestedCoretype, "%s", user);
    } else if (getenv("TESSERA_BLAS_CORETYPE") && strcmp(getenv("TESSERA_BLAS_CORETYPE"), "off") == 0) {
        // The user asked for OpenBLAS's own detection (for comparisons and debugging).
        coretypeSource = TESSERA_CORETYPE_UNSET;
    } else {
        tessera_cpu_features features;
        tessera_cpu_detect(&features);
        const char *chosen = tessera_cpu_preferred_coretype(&features);
        if (chosen) {
            coretypeSource = TESSERA_CORETYPE_AUTO;
            snprintf(requestedCoretype, sizeof requestedCoretype, "%s", chosen);
            setenv("OPENBLAS_CORETYPE", chosen, 1);
            weSet = 1;
        }
    }

    // OpenBLAS's idle workers spin (sched_yield) for 2^28 cycles, about 0.1 s, after each call,
    // competing with Tessera's own parallel loops that run between BLAS calls. 2^4 cycles
    // parks them at once (measured: `tessera-bench interleave`, docs/benchmarks.md).
    const char *userTimeout = getenv("OPENBLAS_THREAD_TIMEOUT");
    int weSetTimeout = 0;
    if (!(userTimeout && userTimeout[0])) {
        setenv("OPENBLAS_THREAD_TIMEOUT", TESSERA_OPENBLAS_THREAD_TIMEOUT, 1);
        weSetTimeout = 1;
        snprintf(threadTimeout, sizeof threadTimeout, "%s", TESSERA_OPENBLAS_THREAD_TIMEOUT);
    } else {
        threadTimeoutIsUser = 1;
        snprintf(threadTimeout, sizeof threadTimeout, "%s", userTimeout);
    }

    // The pthread build first (what libopenblas0-pthread installs), then whatever variant the
    // alternatives system points at.
    static const char *const candidates[] = {
        "libopenblas.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "libopenblas.so",
        "libopenblas.dylib",
    };
    // TESSERA_OPENBLAS_LIBRARY names one library to load instead (another build or location).
    const char *override = getenv("TESSERA_OPENBLAS_LIBRARY");
    const char *const *names = candidates;
    size_t nameCount = sizeof candidates / sizeof candidates[0];
    if (override && override[0]) {
        names = &override;
        nameCount = 1;
    }
    void *handle = NULL;
    char firstError[256] = "";
    for (size_t i = 0; i < nameCount && !handle; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle) {
            snprintf(libraryName, sizeof libraryName, "%s", names[i]);
        } else if (!firstError[0]) {
            const char *e = dlerror();
            snprintf(firstError, sizeof firstError, "%s", e ? e : "unknown error");
        }
    }
    // The variable is ours only for OpenBLAS's constructor: child processes (ffmpeg, a nested
    // tessera) must not mistake it for a user setting.
    if (weSet) unsetenv("OPENBLAS_CORETYPE");
    if (weSetTimeout) unsetenv("OPENBLAS_THREAD_TIMEOUT");

    if (!handle) {
        snprintf(loadError, sizeof loadError,
                 "OpenBLAS not found (%s); install it with `sudo apt-get install "
                 "libopenblas0-pthread` (or libopenblas-dev)%s",
                 firstError, override && override[0] ? ", or fix TESSERA_OPENBLAS_LIBRARY" : "");
        return;
    }

    p_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    p_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    p_get_threads = (get_threads_fn)dlsym(handle, "openblas_get_num_threads");
    p_corename = (get_string_fn)dlsym(handle, "openblas_get_corename");
    p_config = (get_string_fn)dlsym(handle, "openblas_get_config");
    const char *missing = !p_sgemm          ? "cblas_sgemm"
                          : !p_set_threads ? "openblas_set_num_threads"
                          : !p_get_threads ? "openblas_get_num_threads"
                          : !p_corename    ? "openblas_get_corename"
                          : !p_config      ? "openblas_get_config"
                                           : NULL;
    if (missing) {
        snprintf(loadError, sizeof loadError,
                 "%s has no symbol %s: it is not OpenBLAS; install `libopenblas0-pthread` "
                 "(or libopenblas-dev)",
                 libraryName, missing);
        dlclose(handle);
        return;
    }
    loadStatus = 0;
}

int tessera_blas_load(void) {
    pthread_once(&loadOnce, tessera_blas_load_once);
    return loadStatus;
}

int tessera_blas_is_loaded(void) { return loadStatus == 0; }
const char *tessera_blas_error(void) { return loadError; }
const char *tessera_blas_requested_coretype(void) { return requestedCoretype; }
tessera_coretype_source tessera_blas_coretype_source(void) { return coretypeSource; }
const char *tessera_blas_library_name(void) { return libraryName; }
const char *tessera_blas_thread_timeout(void) { return threadTimeout; }
int tessera_blas_thread_timeout_is_user(void) { return threadTimeoutIsUser; }

// MARK: - Entry points

const char *tessera_blas_corename(void) { return p_corename(); }
const char *tessera_blas_config(void) { return p_config(); }
void tessera_blas_set_num_threads(int threads) { p_set_threads(threads); }
int tessera_blas_get_num_threads(void) { return p_get_threads(); }

void tessera_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
                   const float *a, int lda, const float *b, int ldb, float beta, float *c,
                   int ldc) {
    p_sgemm(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
