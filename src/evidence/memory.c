/* memory.c: --memory: the readable regions of chosen processes, from /proc/<pid>/maps and
 * /proc/<pid>/mem, one file per process (regions back to back) with the maps and an index beside.
 */
#include <fcntl.h>
#include <inttypes.h>

#include "escape.h"
#include "evidence/evidence.h"

#define CHUNK (1u << 20)

/* Regions that cannot be read through /proc/<pid>/mem, or that are not the process's memory. */
static bool skip_region(const char *path)
{
	return streq(path, "[vvar]") || streq(path, "[vsyscall]") || streq(path, "[vvar_vclock]");
}

static int dump_one(struct ev *e, struct ev_proc *pr, uint64_t *ret_bytes)
{
	char src[64], rel[96];
	bool fatal = false;
	snprintf(src, sizeof(src), "/proc/%d/maps", pr->pid);
	snprintf(rel, sizeof(rel), "memory/%d.maps", pr->pid);
	_cleanup_free_ char *maps = ev_proc_copy(e, src, rel, 64u << 20, NULL, &fatal);
	if (fatal)
		return -1;
	if (!maps) {
		ev_note(e, "memory of pid %d: cannot read its maps: %s", pr->pid, strerror(errno));
		return 0;
	}
	snprintf(src, sizeof(src), "/proc/%d/mem", pr->pid);
	_cleanup_close_ int fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ev_note(e, "memory of pid %d: open %s: %s", pr->pid, src, strerror(errno));
		return 0;
	}
	if (ev_start_ticks(pr->pid) != pr->start_ticks) {
		ev_note(e, "memory of pid %d: the process ended before its memory was read",
		        pr->pid);
		return 0;
	}
	snprintf(rel, sizeof(rel), "memory/%d.mem", pr->pid);
	struct bfile *f;
	_cleanup_free_ char *source =
	    xasprintf("host:%s (readable regions of %s, back to back)", src, "maps");
	if (bundle_file_open(e->b, rel, source, &f, e->err) < 0)
		return -1;
	_cleanup_free_ unsigned char *buf = xmalloc(CHUNK);
	json_t *regions = json_array();
	size_t n_err = 0;
	for (char *save = NULL, *l = strtok_r(maps, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned long long start, end, off, ino;
		char perms[8], dev[16];
		int pos = 0;
		if (sscanf(l, "%llx-%llx %7s %llx %15s %llu%n", &start, &end, perms, &off, dev,
		           &ino, &pos) != 6)
			continue;
		const char *path = l + pos;
		while (*path == ' ')
			path++;
		json_t *o = json_object();
		json_object_set_new(o, "start", json_sprintf("%llx", start));
		json_object_set_new(o, "end", json_sprintf("%llx", end));
		json_object_set_new(o, "perms", json_string(perms));
		json_object_set_new(o, "path", *path ? json_str(path) : json_null());
		json_array_append_new(regions, o);
		if (perms[0] != 'r' || skip_region(path)) {
			json_object_set_new(
			    o, "skipped",
			    json_string(perms[0] != 'r' ? "not readable" : "kernel page"));
			continue;
		}
		json_object_set_new(o, "file_offset", json_integer((json_int_t)bfile_size(f)));
		uint64_t got = 0;
		int rerr = 0;
		for (unsigned long long a = start; a < end;) {
			size_t want = end - a < CHUNK ? (size_t)(end - a) : CHUNK;
			ssize_t r = pread(fd, buf, want, (off_t)a);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				rerr = r < 0 ? errno : EIO;
				break;
			}
			if (bfile_write(f, buf, (size_t)r, e->err) < 0) {
				bfile_abort(f);
				json_decref(regions);
				return -1;
			}
			a += (unsigned long long)r;
			got += (uint64_t)r;
			e->bytes += (uint64_t)r;
		}
		json_object_set_new(o, "bytes", json_integer((json_int_t)got));
		if (rerr) {
			json_object_set_new(o, "error", json_string(strerror(rerr)));
			n_err++;
		}
		ev_progress(e->p, "memory", 0, 0, e->bytes);
	}
	*ret_bytes = bfile_size(f);
	if (bfile_close(f, NULL, e->err) < 0) {
		json_decref(regions);
		return -1;
	}
	json_t *doc = json_object();
	json_object_set_new(doc, "pid", json_integer(pr->pid));
	json_object_set_new(doc, "memory_file", json_string(rel));
	json_object_set_new(
	    doc, "note",
	    json_string("not an atomic snapshot: the process ran on while it was read"));
	json_object_set_new(doc, "regions", regions);
	snprintf(rel, sizeof(rel), "memory/%d.regions.json", pr->pid);
	int r = bundle_add_json(e->b, rel, "cirt: index of the memory file", doc, e->err);
	json_decref(doc);
	if (n_err)
		ev_note(e, "memory of pid %d: %zu region(s) could not be read completely (see %s)",
		        pr->pid, n_err, rel);
	return r;
}

int ev_memory(struct ev *e)
{
	size_t done = 0;
	uint64_t total = 0;
	for (size_t i = 0; i < e->n_procs; i++) {
		struct ev_proc *pr = &e->procs[i];
		bool want = e->o->memory_all;
		for (size_t k = 0; k < e->o->n_memory_pids; k++)
			want |= e->o->memory_pids[k] == pr->pid;
		if (!want)
			continue;
		uint64_t bytes = 0;
		if (dump_one(e, pr, &bytes) < 0)
			return -1;
		total += bytes;
		done++;
	}
	for (size_t k = 0; k < e->o->n_memory_pids; k++) {
		bool found = false;
		for (size_t i = 0; i < e->n_procs; i++)
			found |= e->procs[i].pid == e->o->memory_pids[k];
		if (!found)
			ev_note(e, "--memory %d: not a process of the container (any more)",
			        e->o->memory_pids[k]);
	}
	char b[32];
	json_object_set_new(e->summary, "memory_processes", json_integer((json_int_t)done));
	json_object_set_new(e->summary, "memory_bytes", json_integer((json_int_t)total));
	bundle_log(e->b, "step memory: ok (%zu process(es), %s)", done,
	           fmt_bytes(total, b, sizeof(b)));
	return 0;
}
