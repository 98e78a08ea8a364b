/* pool.h: a fixed pool of worker threads over one job stack (LIFO, so a tree walk stays
 * depth-first and its queue small). Jobs may push more jobs; a producer outside the pool can
 * be held back by the queued cost (bytes in flight). */
#pragma once

#include <stddef.h>

struct pool;
typedef void (*pool_fn)(void *ud, unsigned worker, void *job);

/* Start n threads (at least 1) running fn(ud, worker_index, job). */
struct pool *pool_new(unsigned n, pool_fn fn, void *ud);
unsigned pool_threads(const struct pool *p);
/* Queue a job; never blocks (for workers). cost is released when the job finishes. */
void pool_push(struct pool *p, void *job, size_t cost);
/* Queue a job from outside the pool, first waiting while the cost in flight exceeds limit. */
void pool_push_bounded(struct pool *p, void *job, size_t cost, size_t limit);
/* Wait until no job is queued or running; tick(tud) every tick_ms meanwhile (if set). */
void pool_wait(struct pool *p, unsigned tick_ms, void (*tick)(void *), void *tud);
/* Stop and join the threads (after pool_wait). NULL is fine. */
void pool_free(struct pool *p);
