/* walker.h: a safe, parallel walk over a target's files. Every directory is opened inside its
 * root with rootfs_openat (openat2 RESOLVE_IN_ROOT, or the O_NOFOLLOW walk), every entry
 * relative to its confined directory with O_NOFOLLOW: a symlink is reported, never followed.
 * Regular files are opened only through an O_PATH handle checked to be the same regular file,
 * so a device, FIFO or socket is never opened, even if swapped in meanwhile. Overlay layers
 * (top first) are merged as overlayfs would: whiteouts hide, opaque directories stop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util.h"

struct walk_entry {
	const char *path; /* absolute inside the target: "/etc/passwd" */
	const char *name; /* last component */
	struct stat st;   /* lstat */
	int layer;        /* index of the providing root (0 for a single root) */
	unsigned depth;   /* 1 for entries of "/" */
	int dirfd;        /* its directory, confined; valid during the callback only */
	bool mount;       /* on another filesystem than the root (a volume or bind mount) */
};

enum walk_skip {
	WALK_SKIP_DEPTH, /* deeper than max_depth */
	WALK_SKIP_FS,    /* a pseudo filesystem (proc, sysfs, devpts, cgroup, ...) or --xdev */
	WALK_SKIP_PATH,  /* on the skip list */
	WALK_SKIP_ERROR, /* could not be opened or read */
};

struct walk_opts {
	const int *roots; /* O_PATH directory fds: one root, or overlay layers top first */
	size_t n_roots;
	bool overlay; /* interpret overlay2 whiteouts (0/0 char devices) and opaque dirs */
	unsigned threads;
	unsigned max_depth;
	bool xdev;
	char *const *skip; /* absolute paths never entered */
	size_t n_skip;
	/* quick mode: only files matching one of these fnmatch(FNM_PATHNAME) patterns are
	 * visited, and only the directories on the way to them are read */
	const char *const *only;
	void (*on_entry)(void *ud, unsigned worker, const struct walk_entry *e);
	void (*on_skip)(void *ud, const char *path, enum walk_skip why, int err);
	void *ud;
	unsigned tick_ms;
	void (*tick)(void *ud);
};

struct walk_stats {
	uint64_t dirs, entries;
};

/* Walk everything; entries (never directories) go to on_entry from the worker threads. */
int walk_run(const struct walk_opts *o, struct walk_stats *ret_stats, struct cirt_err *err);

/* Open the entry for reading: only if it is still the same regular file. -errno. */
int walk_open(const struct walk_entry *e);
/* Read a symlink's target (NUL-terminated, truncated to n-1). -errno. */
int walk_readlink(const struct walk_entry *e, char *buf, size_t n);

/* Does a directory lie on the way to one of the patterns (fnmatch per component)? */
bool walk_dir_wanted(const char *const *patterns, const char *dir);
bool walk_file_wanted(const char *const *patterns, const char *path);
