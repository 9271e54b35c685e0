#ifndef C_ALLOCATION_COUNTER_H
#define C_ALLOCATION_COUNTER_H

/// Counts heap allocations made by the calling thread between start and stop, by interposing
/// malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign in the test executable
/// (glibc only; not under ThreadSanitizer or AddressSanitizer, which interpose malloc themselves).

/// 1 where counting works (Linux with glibc, no sanitizer), else 0.
int bgb_allocation_counter_available(void);

/// Resets this thread's count and starts counting.
void bgb_allocation_counter_start(void);

/// Stops counting on this thread and returns the allocations counted since start.
long bgb_allocation_counter_stop(void);

#endif
