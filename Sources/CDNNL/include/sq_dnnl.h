#ifndef SQ_DNNL_H
#define SQ_DNNL_H
#include <stdint.h>

/// Whether oneDNN runs bf16 matmuls on this CPU with native bf16 instructions (AMX or AVX-512
/// BF16); 0 when the library has only an emulated or no bf16 path. Probes once, thread-safe.
int sq_dnnl_bf16_native(void);

/// The implementation oneDNN picked for a bf16 matmul on this CPU, e.g. "brg:avx512_core_amx_bf16"
/// (empty when none).
const char *sq_dnnl_bf16_impl(void);

/// C[m×n] (bf16, row stride ldc) = A[m×k] (bf16, row stride lda) · B[n×k]ᵀ (bf16, rows of k),
/// fp32 accumulation in oneDNN's order, one thread (the caller splits rows across its workers:
/// with one thread the result of a row does not depend on the split). Returns 0 on success.
int sq_dnnl_bf16_linear(int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t lda,
                        const uint16_t *b, uint16_t *c, int64_t ldc);
#endif
