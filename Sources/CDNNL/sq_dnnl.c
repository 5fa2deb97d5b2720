// oneDNN bf16 matmul for SwiftQuant's bf16 forward: the library torch uses for bf16 Linears on a
// CPU, here pinned to one thread per call so results are the same whatever the thread count.
#include "sq_dnnl.h"
#include <oneapi/dnnl/dnnl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static dnnl_engine_t engine;
static int native = 0;
static char impl_name[128] = "";
static pthread_once_t once = PTHREAD_ONCE_INIT;
// libgomp's omp_set_num_threads, found at run time in the OpenMP runtime oneDNN is built with.
static void (*set_threads)(int) = NULL;

// Primitives by shape (creating one costs far more than running a small one).
enum { CACHE_SIZE = 128 };
typedef struct { int64_t m, n, k, lda, ldc; dnnl_primitive_t p; size_t scratch; } entry;
static entry cache[CACHE_SIZE];
static int cached = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static dnnl_primitive_t make(int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldc, const char **impl, size_t *scratch) {
    dnnl_memory_desc_t a, b, c;
    dnnl_dims_t ad = {m, k}, bd = {k, n}, cd = {m, n};
    dnnl_dims_t as = {lda, 1}, bs = {1, k}, cs = {ldc, 1};
    if (dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as) != dnnl_success) return NULL;
    if (dnnl_memory_desc_init_by_strides(&b, 2, bd, dnnl_bf16, bs) != dnnl_success) return NULL;
    if (dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_bf16, cs) != dnnl_success) return NULL;
    dnnl_matmul_desc_t md;
    if (dnnl_matmul_desc_init(&md, &a, &b, NULL, &c) != dnnl_success) return NULL;
    // A user scratchpad per call: the library's shared one is not safe when two workers run at once.
    dnnl_primitive_attr_t attr;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success) return NULL;
    if (dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        return NULL;
    }
    dnnl_primitive_desc_t pd;
    dnnl_status_t created = dnnl_primitive_desc_create(&pd, &md, attr, engine, NULL);
    dnnl_primitive_attr_destroy(attr);
    if (created != dnnl_success) return NULL;
    if (impl) {
        const char *name = NULL;
        if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success && name) *impl = name;
    }
    const dnnl_memory_desc_t *sd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    *scratch = sd ? dnnl_memory_desc_get_size(sd) : 0;
    dnnl_primitive_t p = NULL;
    if (dnnl_primitive_create(&p, pd) != dnnl_success) p = NULL;
    if (impl && *impl) {
        strncpy(impl_name, *impl, sizeof impl_name - 1);
    }
    dnnl_primitive_desc_destroy(pd);
    return p;
}

static void probe(void) {
    // Without a way to pin oneDNN to one thread per call, results could depend on the thread count.
    set_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (!set_threads) return;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return;
    const char *name = "";
    size_t scratch = 0;
    dnnl_primitive_t p = make(64, 64, 64, 64, 64, &name, &scratch);
    if (!p) return;
    dnnl_primitive_destroy(p);
    // Native bf16 only: AMX tiles or AVX-512 BF16 dot products (not the AVX-512 emulation).
    native = strstr(impl_name, "amx") != NULL || strstr(impl_name, "avx512_core_bf16") != NULL;
}

int sq_dnnl_bf16_native(void) {
    pthread_once(&once, probe);
    return native;
}

const char *sq_dnnl_bf16_impl(void) {
    pthread_once(&once, probe);
    return impl_name;
}

int sq_dnnl_bf16_linear(int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t lda,
                        const uint16_t *b, uint16_t *c, int64_t ldc) {
    if (!sq_dnnl_bf16_native()) return 1;
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    // One OpenMP thread for this calling thread (an ICV of the caller).
    set_threads(1);
    dnnl_primitive_t p = NULL;
    size_t scratch = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < cached; i++) {
        entry *e = &cache[i];
        if (e->m == m && e->n == n && e->k == k && e->lda == lda && e->ldc == ldc) { p = e->p; scratch = e->scratch; break; }
    }
    int owned = 0;
    if (!p) {
        p = make(m, n, k, lda, ldc, NULL, &scratch);
        if (p && cached < CACHE_SIZE) {
            cache[cached++] = (entry){m, n, k, lda, ldc, p, scratch};
        } else {
            owned = 1;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!p) return 2;
    void *scratch_buffer = scratch ? aligned_alloc(64, (scratch + 63) / 64 * 64) : NULL;
    if (scratch && !scratch_buffer) {
        if (owned) dnnl_primitive_destroy(p);
        return 4;
    }
    dnnl_memory_desc_t sd;
    dnnl_dims_t sdims = {(int64_t)scratch};
    dnnl_memory_t ms = NULL;
    dnnl_memory_desc_t ad, bd, cd;
    dnnl_dims_t adims = {m, k}, bdims = {k, n}, cdims = {m, n};
    dnnl_dims_t as = {lda, 1}, bs = {1, k}, cs = {ldc, 1};
    dnnl_memory_desc_init_by_strides(&ad, 2, adims, dnnl_bf16, as);
    dnnl_memory_desc_init_by_strides(&bd, 2, bdims, dnnl_bf16, bs);
    dnnl_memory_desc_init_by_strides(&cd, 2, cdims, dnnl_bf16, cs);
    dnnl_memory_t ma = NULL, mb = NULL, mc = NULL;
    dnnl_stream_t stream = NULL;
    int status = 3;
    if (dnnl_memory_create(&ma, &ad, engine, (void *)a) == dnnl_success &&
        dnnl_memory_create(&mb, &bd, engine, (void *)b) == dnnl_success &&
        dnnl_memory_create(&mc, &cd, engine, c) == dnnl_success &&
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) == dnnl_success) {
        int nargs = 3;
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}, {DNNL_ARG_SCRATCHPAD, NULL}};
        int ready = 1;
        if (scratch) {
            ready = dnnl_memory_desc_init_by_tag(&sd, 1, sdims, dnnl_u8, dnnl_a) == dnnl_success &&
                    dnnl_memory_create(&ms, &sd, engine, scratch_buffer) == dnnl_success;
            args[3].memory = ms;
            nargs = 4;
        }
        if (ready && dnnl_primitive_execute(p, stream, nargs, args) == dnnl_success && dnnl_stream_wait(stream) == dnnl_success) status = 0;
    }
    if (ms) dnnl_memory_destroy(ms);
    free(scratch_buffer);
    if (stream) dnnl_stream_destroy(stream);
    if (ma) dnnl_memory_destroy(ma);
    if (mb) dnnl_memory_destroy(mb);
    if (mc) dnnl_memory_destroy(mc);
    if (owned) dnnl_primitive_destroy(p);
    return status;
}
