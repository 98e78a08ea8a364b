/* pgz.h: gzip written on several threads: the stream is cut into blocks, each compressed on its
 * own as one gzip member (RFC 1952 allows members one after another; gzip, tar and libarchive
 * read them as one stream), and written in order. A block whose sample does not shrink (random,
 * encrypted or already compressed bytes) is stored uncompressed in its member. Memory: two
 * blocks in and out per thread. */
#pragma once

#include <stddef.h>

struct pgz;
/* The compressed bytes go to out(ud, p, n) in order, from the caller's thread; out returns 0 or
 * a negative errno (then every later call fails with it). threads 0: one per CPU. */
typedef int (*pgz_out_fn)(void *ud, const void *p, size_t n);
struct pgz *pgz_new(int level, unsigned threads, pgz_out_fn out, void *ud);
/* Take n bytes; 0 or a negative errno (from out, or -ENOMEM from zlib). */
int pgz_write(struct pgz *z, const void *p, size_t n);
/* Compress what is left, write every member, stop the threads; 0 or a negative errno. Frees z
 * either way. */
int pgz_close(struct pgz *z);
