#include <cblas.h>
#include <lapacke.h>
// glibc allocator tuning (mallopt), used by Tensors.MemoryTuning.
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
