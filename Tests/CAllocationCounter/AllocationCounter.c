#include "CAllocationCounter.h"

#include <errno.h>  // also defines __GLIBC__ (through features.h) on glibc
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define BGB_SANITIZED 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(BGB_SANITIZED)

// glibc's own entry points: the interposers below forward to them (no dlsym, no recursion).
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

// Per thread, so that tests running in parallel on other threads do not disturb a count.
// initial-exec: the executable's static TLS block, no allocation on access.
static __thread int counting __attribute__((tls_model("initial-exec")));
static __thread long allocations __attribute__((tls_model("initial-exec")));

#define COUNT() do { if (counting) allocations += 1; } while (0)

void *malloc(size_t size) {
    COUNT();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    COUNT();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    COUNT();
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    __libc_free(pointer);
}

void *memalign(size_t alignment, size_t size) {
    COUNT();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    COUNT();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    COUNT();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

int bgb_allocation_counter_available(void) { return 1; }

void bgb_allocation_counter_start(void) {
    allocations = 0;
    counting = 1;
}

long bgb_allocation_counter_stop(void) {
    counting = 0;
    return allocations;
}

#else

int bgb_allocation_counter_available(void) { return 0; }
void bgb_allocation_counter_start(void) {}
long bgb_allocation_counter_stop(void) { return 0; }

#endif
