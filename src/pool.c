/* pool.c: worker threads over a LIFO job stack with cost accounting. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "util.h"

struct item {
	void *job;
	size_t cost;
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t work, idle, room;
	struct item *v;
	size_t n, cap;
	size_t running;
	size_t inflight; /* cost of queued and running jobs */
	bool stop;
	pool_fn fn;
	void *ud;
	unsigned nthreads;
	pthread_t *th;
	struct worker_arg {
		struct pool *p;
		unsigned idx;
	} * args;
};

static void *worker(void *arg)
{
	struct worker_arg *a = arg;
	struct pool *p = a->p;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->n && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->n && p->stop)
			break;
		struct item it = p->v[--p->n];
		p->running++;
		pthread_mutex_unlock(&p->mu);
		p->fn(p->ud, a->idx, it.job);
		pthread_mutex_lock(&p->mu);
		p->running--;
		p->inflight -= it.cost;
		pthread_cond_broadcast(&p->room);
		if (!p->n && !p->running)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *pool_new(unsigned n, pool_fn fn, void *ud)
{
	struct pool *p = xcalloc(1, sizeof(*p));
	if (n < 1)
		n = 1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	pthread_cond_init(&p->room, NULL);
	p->fn = fn;
	p->ud = ud;
	p->th = xcalloc(n, sizeof(*p->th));
	p->args = xcalloc(n, sizeof(*p->args));
	for (unsigned i = 0; i < n; i++) {
		p->args[i].p = p;
		p->args[i].idx = i;
		if (pthread_create(&p->th[i], NULL, worker, &p->args[i]) != 0)
			break;
		p->nthreads++;
	}
	if (!p->nthreads) {
		/* no thread at all: nothing could ever run a job */
		static const char m[] = "cirt: cannot start a worker thread\n";
		ssize_t r = write(2, m, sizeof(m) - 1);
		(void)r;
		abort();
	}
	return p;
}

unsigned pool_threads(const struct pool *p)
{
	return p->nthreads;
}

static void push_locked(struct pool *p, void *job, size_t cost)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n++] = (struct item){job, cost};
	p->inflight += cost;
	pthread_cond_signal(&p->work);
}

void pool_push(struct pool *p, void *job, size_t cost)
{
	pthread_mutex_lock(&p->mu);
	push_locked(p, job, cost);
	pthread_mutex_unlock(&p->mu);
}

void pool_push_bounded(struct pool *p, void *job, size_t cost, size_t limit)
{
	pthread_mutex_lock(&p->mu);
	/* one oversized job alone is always let through, or it would wait forever */
	while (p->inflight && p->inflight + cost > limit)
		pthread_cond_wait(&p->room, &p->mu);
	push_locked(p, job, cost);
	pthread_mutex_unlock(&p->mu);
}

void pool_wait(struct pool *p, unsigned tick_ms, void (*tick)(void *), void *tud)
{
	pthread_mutex_lock(&p->mu);
	while (p->n || p->running) {
		if (!tick || !tick_ms) {
			pthread_cond_wait(&p->idle, &p->mu);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(tick_ms % 1000) * 1000000L;
		ts.tv_sec += tick_ms / 1000 + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (pthread_cond_timedwait(&p->idle, &p->mu, &ts) == ETIMEDOUT) {
			pthread_mutex_unlock(&p->mu);
			tick(tud);
			pthread_mutex_lock(&p->mu);
		}
	}
	pthread_mutex_unlock(&p->mu);
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->room);
	free(p->v);
	free(p->th);
	free(p->args);
	free(p);
}
