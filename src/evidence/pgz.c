/* pgz.c: parallel gzip as independent members (see pgz.h). */
#include "evidence/pgz.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"

#define PGZ_BLOCK (1u << 20)

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };

struct slot {
	enum slot_state state;
	unsigned char *in, *out;
	size_t n_in, n_out, cap_out;
	int err;
};

struct pgz {
	int level;
	pgz_out_fn out;
	void *ud;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	pthread_t *th;
	unsigned nth;
	struct slot *s;
	size_t ns;
	size_t fill;   /* the slot being filled */
	size_t head;   /* the next slot to write out */
	size_t queued; /* slots queued or busy or done, not yet written */
	bool stop, wrote;
	int err;
};

/* Does a sample of the block (its first 32 KiB) shrink by less than 3% at level 1? Then the
 * block is stored, not compressed: deflate gains nothing on random, encrypted or already
 * compressed bytes and would be the bottleneck of the whole collection (about 35 MiB/s a core). */
static bool incompressible(const unsigned char *p, size_t n)
{
	size_t k = n < (32u << 10) ? n : (32u << 10);
	if (k < 4096)
		return false;
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	unsigned char out[(32u << 10) + 1024];
	zs.next_in = (unsigned char *)p;
	zs.avail_in = (uInt)k;
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	int r = deflate(&zs, Z_FINISH);
	size_t got = sizeof(out) - zs.avail_out;
	deflateEnd(&zs);
	return r == Z_STREAM_END && got * 100 >= k * 97;
}

/* One block as one whole gzip member. */
static int compress_block(int level, struct slot *s)
{
	if (level > 0 && incompressible(s->in, s->n_in))
		level = 0;
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip header and trailer around the deflate data */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t need = deflateBound(&zs, (uLong)s->n_in) + 64;
	if (need > s->cap_out) {
		free(s->out);
		s->out = xmalloc(need);
		s->cap_out = need;
	}
	zs.next_in = s->in;
	zs.avail_in = (uInt)s->n_in;
	zs.next_out = s->out;
	zs.avail_out = (uInt)s->cap_out;
	int r = deflate(&zs, Z_FINISH);
	s->n_out = s->cap_out - zs.avail_out;
	deflateEnd(&zs);
	return r == Z_STREAM_END ? 0 : -EIO;
}

static void *worker(void *arg)
{
	struct pgz *z = arg;
	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct slot *job = NULL;
		/* the oldest queued block first: the writer waits for them in order */
		for (size_t k = 0; k < z->ns && !job; k++) {
			struct slot *s = &z->s[(z->head + k) % z->ns];
			if (s->state == SLOT_QUEUED)
				job = s;
		}
		if (!job) {
			if (z->stop)
				break;
			pthread_cond_wait(&z->work, &z->mu);
			continue;
		}
		job->state = SLOT_BUSY;
		pthread_mutex_unlock(&z->mu);
		int r = compress_block(z->level, job);
		pthread_mutex_lock(&z->mu);
		job->err = r;
		job->state = SLOT_DONE;
		pthread_cond_broadcast(&z->done);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

struct pgz *pgz_new(int level, unsigned threads, pgz_out_fn out, void *ud)
{
	struct pgz *z = xcalloc(1, sizeof(*z));
	if (!threads) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (unsigned)(c < 16 ? c : 16) : 1;
	}
	z->level = level;
	z->out = out;
	z->ud = ud;
	z->ns = 2 * (size_t)threads + 1;
	z->s = xcalloc(z->ns, sizeof(*z->s));
	for (size_t i = 0; i < z->ns; i++)
		z->s[i].in = xmalloc(PGZ_BLOCK);
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->work, NULL);
	pthread_cond_init(&z->done, NULL);
	z->th = xcalloc(threads, sizeof(*z->th));
	for (unsigned i = 0; i < threads; i++)
		if (pthread_create(&z->th[z->nth], NULL, worker, z) == 0)
			z->nth++;
	return z;
}

/* Write out the oldest block once it is compressed (the lock is held, and dropped meanwhile). */
static void write_head(struct pgz *z)
{
	struct slot *s = &z->s[z->head];
	while (s->state != SLOT_DONE)
		pthread_cond_wait(&z->done, &z->mu);
	pthread_mutex_unlock(&z->mu);
	int r = s->err;
	if (!z->err && r < 0)
		z->err = r;
	if (!z->err) {
		r = z->out(z->ud, s->out, s->n_out);
		if (r < 0)
			z->err = r;
		z->wrote = true;
	}
	pthread_mutex_lock(&z->mu);
	s->state = SLOT_FREE;
	s->n_in = 0;
	z->head = (z->head + 1) % z->ns;
	z->queued--;
}

/* Queue the slot being filled; without threads, compress it here. */
static void submit(struct pgz *z)
{
	struct slot *s = &z->s[z->fill];
	pthread_mutex_lock(&z->mu);
	z->queued++;
	if (z->nth) {
		s->state = SLOT_QUEUED;
		pthread_cond_signal(&z->work);
	} else {
		s->err = compress_block(z->level, s);
		s->state = SLOT_DONE;
	}
	z->fill = (z->fill + 1) % z->ns;
	/* the next slot to fill must be free: write out the oldest until it is */
	while (z->queued && z->s[z->fill].state != SLOT_FREE)
		write_head(z);
	pthread_mutex_unlock(&z->mu);
}

int pgz_write(struct pgz *z, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n && !z->err) {
		struct slot *s = &z->s[z->fill];
		size_t k = PGZ_BLOCK - s->n_in;
		if (k > n)
			k = n;
		memcpy(s->in + s->n_in, c, k);
		s->n_in += k;
		c += k;
		n -= k;
		if (s->n_in == PGZ_BLOCK)
			submit(z);
	}
	return z->err;
}

int pgz_close(struct pgz *z)
{
	/* an empty stream is still one (empty) member: a valid gzip file */
	if (z->s[z->fill].n_in || (!z->wrote && !z->queued))
		submit(z);
	pthread_mutex_lock(&z->mu);
	while (z->queued)
		write_head(z);
	z->stop = true;
	pthread_cond_broadcast(&z->work);
	pthread_mutex_unlock(&z->mu);
	for (unsigned i = 0; i < z->nth; i++)
		pthread_join(z->th[i], NULL);
	int err = z->err;
	for (size_t i = 0; i < z->ns; i++) {
		free(z->s[i].in);
		free(z->s[i].out);
	}
	free(z->s);
	free(z->th);
	pthread_cond_destroy(&z->work);
	pthread_cond_destroy(&z->done);
	pthread_mutex_destroy(&z->mu);
	free(z);
	return err;
}
