/* triage_bundle.c: the triage document from an evidence bundle of `cirt collect`: the same
 * scoring over what the bundle preserved (inspect, processes, sockets, conntrack, change list,
 * copied files), and whether the bundle still matches its manifest. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "analyses/capplan.h"
#include "analyses/triage_int.h"
#include "escape.h"
#include "evidence/bundle.h"
#include "evidence/verify.h"
#include "journal/journal.h"

/* The files the report reads, at most this big each. */
#define BREAD_MAX (64u << 20)

struct bfiles {
	const char *names[8];
	char *data[8];
	size_t len[8];
	size_t n;
};

static int bfile_index(const struct bfiles *b, const char *rel)
{
	for (size_t i = 0; i < b->n; i++)
		if (streq(b->names[i], rel))
			return (int)i;
	return -1;
}

/* Read the wanted files of a directory bundle (never following a symlink) or of an archive
 * (entries are "<bundle name>/<rel>"). */
static int bundle_read(const char *path, bool archive, struct bfiles *b, struct cirt_err *err)
{
	if (!archive) {
		int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return err_set(err,
			               errno == ENOENT ? CIRT_EXIT_NOTFOUND : CIRT_EXIT_RUNTIME,
			               "bundle '%s': %s", path, strerror(errno));
		for (size_t i = 0; i < b->n; i++) {
			/* a symlink in a bundle is never followed */
			struct stat st;
			if (fstatat(dfd, b->names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISREG(st.st_mode))
				continue;
			(void)read_file_max(dfd, b->names[i], BREAD_MAX, &b->data[i], &b->len[i]);
		}
		close(dfd);
		return 0;
	}
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		int r = err_set(err, CIRT_EXIT_RUNTIME, "bundle '%s': %s", path,
		                archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	struct archive_entry *e;
	size_t found = 0;
	while (found < b->n && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);
		const char *slash = n ? strchr(n, '/') : NULL;
		int k = slash ? bfile_index(b, slash + 1) : -1;
		if (k < 0 || b->data[k] || archive_entry_filetype(e) != AE_IFREG)
			continue;
		int64_t sz = archive_entry_size(e);
		if (sz < 0 || sz > BREAD_MAX)
			continue;
		char *buf = xmalloc((size_t)sz + 1);
		la_ssize_t got = archive_read_data(a, buf, (size_t)sz);
		if (got != sz) {
			free(buf);
			continue;
		}
		buf[sz] = '\0';
		b->data[k] = buf;
		b->len[k] = (size_t)sz;
		found++;
	}
	archive_read_free(a);
	return 0;
}

static json_t *bjson(const struct bfiles *b, const char *rel)
{
	int k = bfile_index(b, rel);
	if (k < 0 || !b->data[k])
		return NULL;
	return json_loadb(b->data[k], b->len[k], 0, NULL);
}

static void bundle_next(struct tstate *s, struct tc *t)
{
	json_t *bm = jobj(s->meta, "bundle");
	_cleanup_free_ char *p = shell_quote(jstr(bm, "path") ? jstr(bm, "path") : "BUNDLE");
	if (!jbool(bm, "verified"))
		tc_next(t, "cirt verify %s", p);
	if (t->ioc_first) {
		char a[64];
		tc_next(t, "cirt locate %s --since 24h   (on the host it came from)",
		        flow_addr_str(&t->ioc_first->remote, a, sizeof(a)));
	}
	if (t->sr.n && jbool(bm, "directory"))
		tc_next(t, "cirt scan --rootfs %s/files", p);
}

static bool flow_from_ct_json(json_t *e, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	const char *proto = jstr(e, "proto");
	f->proto = proto && streq(proto, "udp")   ? IPPROTO_UDP
	           : proto && streq(proto, "tcp") ? IPPROTO_TCP
	                                          : 0;
	if (!f->proto)
		f->proto = (uint8_t)jint(e, "proto_number", 0);
	json_t *o = jobj(e, "original"), *r = jobj(e, "reply");
	if (!o || !jstr(o, "src") || !jstr(o, "dst") ||
	    !flow_addr_parse(jstr(o, "src"), &f->orig.src) ||
	    !flow_addr_parse(jstr(o, "dst"), &f->orig.dst))
		return false;
	f->orig.sport = (uint16_t)jint(o, "sport", 0);
	f->orig.dport = (uint16_t)jint(o, "dport", 0);
	if (r && jstr(r, "src") && jstr(r, "dst") &&
	    flow_addr_parse(jstr(r, "src"), &f->reply.src) &&
	    flow_addr_parse(jstr(r, "dst"), &f->reply.dst)) {
		f->reply.sport = (uint16_t)jint(r, "sport", 0);
		f->reply.dport = (uint16_t)jint(r, "dport", 0);
	}
	if (jstr(e, "tcp_state"))
		snprintf(f->state, sizeof(f->state), "%s", jstr(e, "tcp_state"));
	return true;
}

/* The bundle's files the report reads, parsed (each NULL when missing or unreadable). */
struct bdocs {
	bool dir; /* a directory bundle (else an archive) */
	json_t *man, *ins, *procs, *socks, *ctj, *chg;
};

static void bdocs_clear(struct bdocs *bd)
{
	json_decref(bd->man);
	json_decref(bd->ins);
	json_decref(bd->procs);
	json_decref(bd->socks);
	json_decref(bd->ctj);
	json_decref(bd->chg);
}

/* Read a bundle's manifest and the files the report reads; fails when it is not a bundle of
 * cirt collect. */
static int bundle_load(const char *path, struct bdocs *bd, struct cirt_err *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return err_set(err, errno == ENOENT ? CIRT_EXIT_NOTFOUND : CIRT_EXIT_RUNTIME,
		               "bundle '%s': %s", path, strerror(errno));
	bd->dir = S_ISDIR(st.st_mode);
	if (!bd->dir && !S_ISREG(st.st_mode))
		return err_set(err, CIRT_EXIT_USAGE,
		               "bundle '%s': not a directory or an archive file", path);
	struct bfiles b = {.names = {BUNDLE_MANIFEST, "container/inspect.json",
	                             "volatile/processes.json", "volatile/sockets.json",
	                             "volatile/conntrack.json", "container/changes.json"},
	                   .n = 6};
	if (bundle_read(path, !bd->dir, &b, err) < 0)
		return -1;
	json_t *man = bjson(&b, BUNDLE_MANIFEST);
	if (!man || !json_is_object(man) || !jstr(man, "format") ||
	    !startswith(jstr(man, "format"), "cirt-bundle/")) {
		json_decref(man);
		for (size_t i = 0; i < b.n; i++)
			free(b.data[i]);
		return err_set(err, CIRT_EXIT_USAGE,
		               "bundle '%s': no readable manifest.json of cirt collect", path);
	}
	bd->man = man;
	bd->ins = bjson(&b, "container/inspect.json");
	bd->procs = bjson(&b, "volatile/processes.json");
	bd->socks = bjson(&b, "volatile/sockets.json");
	bd->ctj = bjson(&b, "volatile/conntrack.json");
	bd->chg = bjson(&b, "container/changes.json");
	for (size_t i = 0; i < b.n; i++)
		free(b.data[i]);
	return 0;
}

/* Integrity first: a report on altered evidence must say so. Notes of what does not verify,
 * then the "bundle" object of the document. */
static void bundle_integrity(struct tstate *s, const char *path, const struct bdocs *bd)
{
	struct verify_report vr = {0};
	struct cirt_err ve = {0};
	bool verified = false;
	if (bundle_verify(path, NULL, &vr, &ve) < 0)
		tstate_note(s, "the bundle could not be verified: %s", ve.msg);
	else {
		verified = verify_clean(&vr);
		if (!verified) {
			size_t i;
			json_t *p;
			json_array_foreach(vr.problems, i, p)
			{
				if (i >= 20) {
					tstate_note(
					    s, "... %zu more problems (cirt verify lists them)",
					    json_array_size(vr.problems) - i);
					break;
				}
				tstate_note(s, "bundle does not verify: %s %s",
				            jstr(p, "status") ? jstr(p, "status") : "?",
				            jstr(p, "path") ? jstr(p, "path") : "?");
			}
			if (vr.manifest_problem)
				tstate_note(s, "bundle does not verify: %s", vr.manifest_problem);
		}
	}
	json_t *man = bd->man;
	if (!jbool(man, "complete"))
		tstate_note(s, "the collection was incomplete (see its custody log)");
	s->meta =
	    json_pack("{s:{s:s,s:s?,s:b,s:b,s:b,s:s,s:O?,s:O?,s:O?}}", "bundle", "path", path,
	              "case", jstr(man, "case"), "directory", bd->dir, "verified", verified,
	              "complete", jbool(man, "complete"), "sha256", vr.bundle_sha256, "started",
	              json_object_get(man, "started"), "finished", json_object_get(man, "finished"),
	              "collected_by", json_object_get(man, "command"));
	verify_report_clear(&vr);
}

/* The container's addresses, wiring and inventory row, from its inspect; the collection on the
 * timeline. */
static void bundle_container(struct tstate *s, struct tc *t, const struct bdocs *bd)
{
	struct container c = {0};
	if (bd->ins && container_from_inspect(bd->ins, &c) == 0) {
		for (size_t k = 0; k < c.n_eps; k++) {
			tstate_index(s, c.eps[k].ipv4, t);
			tstate_index(s, c.eps[k].ipv6, t);
		}
		tstate_timeline_rfc3339(s, c.created, t->name, "container", "created");
		tstate_timeline_rfc3339(s, c.started_at, t->name, "container", "started");
		json_t *row = json_object();
		json_object_set_new(row, "name", json_str(c.name));
		json_object_set_new(row, "id",
		                    json_strn(c.id, strlen(c.id) > 12 ? 12 : strlen(c.id)));
		json_object_set_new(row, "image", json_str(c.image));
		json_object_set_new(row, "state", json_str(t->state));
		json_object_set_new(row, "network", json_str(net_mode_name(c.mode)));
		json_t *ips = json_array();
		for (size_t k = 0; k < c.n_eps; k++)
			if (c.eps[k].ipv4)
				json_array_append_new(ips, json_str(c.eps[k].ipv4));
		json_object_set_new(row, "ips", ips);
		json_object_set_new(row, "ports", json_array());
		t->inv = row;
		container_clear(&c);
	} else
		tstate_note(
		    s, "container/inspect.json is missing or unreadable: exposure not examined");
	tstate_timeline_rfc3339(s, jstr(bd->man, "started"), t->name, "evidence",
	                        "collection started");
	tstate_timeline_rfc3339(s, jstr(bd->man, "finished"), t->name, "evidence",
	                        "collection finished");
}

/* Exposure from the inspect alone (a facts-only target: no files, no live processes). */
static void bundle_escape_checks(struct tstate *s, struct tc *t, json_t *ins)
{
	struct scan_opts so = {.checks = CHK_ESCAPE, .quick = true, .threads = 1};
	struct scan_engine *eng = NULL;
	struct cirt_err se = {0};
	if (!ins || scan_engine_new(&so, &eng, &se) != 0)
		return;
	struct scan_target *ft = xcalloc(1, sizeof(*ft));
	ft->kind = SCAN_CONTAINER;
	ft->name = xstrdup(t->name);
	ft->id = xstrdup0(t->id);
	ft->inspect = json_incref(ins);
	ft->state = xstrdup(t->state ? t->state : "unknown");
	ft->how = xstrdup("facts of the bundle's inspect.json");
	if (scan_target_run(eng, ft, &t->sr, &se) < 0)
		tstate_note(s, "escape checks: %s", se.msg);
	scan_target_free(ft);
	scan_engine_free(eng);
}

/* Backdoor locations among the copied files of a directory bundle; every copied file was added
 * or changed since the image. */
static void bundle_backdoor_checks(struct tstate *s, struct tc *t, const char *path, bool dir)
{
	_cleanup_free_ char *files = xasprintf("%s/files", path);
	struct stat fst;
	if (!dir || lstat(files, &fst) != 0 || !S_ISDIR(fst.st_mode)) {
		if (!dir)
			tstate_note(s,
			            "an archive bundle: its copied files are not checked (unpack "
			            "it and run cirt scan --rootfs)");
		return;
	}
	struct scan_opts bo = {.checks = CHK_BACKDOOR, .quick = true, .threads = 1};
	struct scan_engine *eng = NULL;
	struct scan_target *ft = NULL;
	struct scan_result r = {0};
	struct cirt_err se = {0};
	if (scan_engine_new(&bo, &eng, &se) == 0 && scan_target_rootfs(files, &ft, &se) == 0 &&
	    scan_target_run(eng, ft, &r, &se) == 0) {
		size_t n0 = t->sr.n;
		t->sr.f = xrealloc(t->sr.f, (n0 + r.n + 1) * sizeof(*t->sr.f));
		for (size_t k = 0; k < r.n; k++) {
			t->sr.f[n0 + k] = r.f[k];
			if (t->sr.f[n0 + k].origin == ORIGIN_UNKNOWN)
				t->sr.f[n0 + k].origin = ORIGIN_ADDED;
		}
		t->sr.n = n0 + r.n;
		free(r.f);
		r.f = NULL;
		r.n = 0;
		scan_result_clear(&r);
	} else
		tstate_note(s, "backdoor checks of the copied files: %s", se.msg);
	scan_target_free(ft);
	scan_engine_free(eng);
}

/* Processes that ran deleted programs, as the collection recovered them. */
static void bundle_deleted_programs(struct tc *t, json_t *procs)
{
	size_t i, deleted = 0;
	json_t *p;
	const char *first_del = NULL;
	json_array_foreach(jarr(procs, "processes"), i, p)
	{
		json_t *exe = jobj(p, "exe");
		if (exe && jbool(exe, "deleted")) {
			if (!deleted)
				first_del = jstr(exe, "link");
			deleted++;
		}
	}
	if (deleted)
		tc_reason(t, 40, "evidence",
		          "%zu process%s ran a program deleted from disk (e.g. %s; recovered in "
		          "the bundle)",
		          deleted, deleted == 1 ? "" : "es", first_del ? first_del : "?");
}

/* The facts the bundle's flows are joined with: its container (and the containers its sockets'
 * holders and its namespace's owner are, when the collection named them), its connected
 * sockets with their holders, the host's conntrack entries of its addresses. */
struct bjoin {
	struct host h;
	struct sockets *sk;
	struct flow *ct;
	size_t n_ct;
	struct attrib *at;
};

static void bjoin_clear(struct bjoin *b)
{
	attrib_free(b->at);
	sockets_free(b->sk);
	free(b->ct);
	for (size_t i = 0; i < b->h.n; i++)
		container_clear(&b->h.c[i]);
	free(b->h.c);
}

/* The container with this id among the joined ones, added (as running, without a process or an
 * address of its own) when it is not there yet. */
static struct container *bjoin_container(struct bjoin *b, size_t cap, const char *id,
                                         const char *name)
{
	for (size_t i = 0; i < b->h.n; i++)
		if (b->h.c[i].id && streq(b->h.c[i].id, id))
			return &b->h.c[i];
	if (b->h.n >= cap)
		return NULL;
	struct container *c = &b->h.c[b->h.n++];
	c->id = xstrdup(id);
	if (name)
		c->name = xstrdup(name);
	else
		c->name = xasprintf("container %.12s", id);
	c->state = xstrdup("not in this bundle");
	c->running = true;
	return c;
}

static bool connected(json_t *sk)
{
	const char *state = jstr(sk, "state");
	return state && !streq(state, "LISTEN") && !streq(state, "UNCONN");
}

/* The bundle's container from its inspect, the owner of its namespace when it joined another's
 * (container:X), and the containers of processes outside it that held its sockets. */
static void bjoin_containers(struct bjoin *b, struct tc *t, const struct bdocs *bd)
{
	size_t cap = 2, i;
	json_t *sk, *ow;
	json_array_foreach(jarr(bd->socks, "sockets"), i, sk) cap +=
	    json_array_size(jarr(sk, "owners"));
	b->h.c = xcalloc(cap, sizeof(*b->h.c));
	struct container *c = &b->h.c[b->h.n++];
	if (!bd->ins || container_from_inspect(bd->ins, c) < 0) {
		memset(c, 0, sizeof(*c));
		c->name = xstrdup(t->name);
	}
	/* the manifest's id names the triaged entry */
	if (t->id) {
		free(c->id);
		c->id = xstrdup(t->id);
	}
	c->running = true; /* as it was collected: its addresses were its own */
	if (c->pid <= 0)
		c->pid = 1;
	json_t *no = jobj(bd->socks, "netns_owner");
	if (c->mode == NETMODE_CONTAINER && c->mode_target) {
		const char *oid = jstr(no, "id") ? jstr(no, "id") : c->mode_target;
		struct container *o = bjoin_container(b, cap, oid, jstr(no, "name"));
		if (o) {
			free(c->mode_target);
			c->mode_target = xstrdup(o->id);
			c->mode_target_name = xstrdup(o->name);
		}
	}
	json_array_foreach(jarr(bd->socks, "sockets"), i, sk)
	{
		size_t k;
		json_array_foreach(jarr(sk, "owners"), k, ow)
		{
			json_t *oc = jobj(ow, "container");
			struct container *o =
			    jstr(oc, "id")
			        ? bjoin_container(b, cap, jstr(oc, "id"), jstr(oc, "name"))
			        : NULL;
			/* a process of another container held a socket of this namespace: that
			 * container joined it (container:OWNER) */
			c = &b->h.c[0];
			const char *target =
			    c->mode == NETMODE_CONTAINER && c->mode_target ? c->mode_target : c->id;
			if (o && o != c && !o->mode_target && target && !streq(o->id, target)) {
				o->mode = NETMODE_CONTAINER;
				o->mode_target = xstrdup(target);
			}
		}
	}
}

/* Its connected sockets, each with the first process holding it (its container's, or one outside
 * it the collection found). */
static void bjoin_sockets(struct bjoin *b, json_t *socks)
{
	struct sockets *s = xcalloc(1, sizeof(*s));
	b->sk = s;
	size_t i, n = json_array_size(jarr(socks, "sockets"));
	s->v = xcalloc(n + 1, sizeof(*s->v));
	s->procs = xcalloc(n + 1, sizeof(*s->procs));
	json_t *sk;
	json_array_foreach(jarr(socks, "sockets"), i, sk)
	{
		if (!connected(sk))
			continue;
		struct csock *cs = &s->v[s->n];
		memset(cs, 0, sizeof(*cs));
		cs->fd = -1;
		struct flow *f = &cs->s.f;
		const char *pr = jstr(sk, "proto");
		f->proto = pr && startswith(pr, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
		if (!jstr(sk, "local_address") || !jstr(sk, "remote_address") ||
		    !flow_addr_parse(jstr(sk, "local_address"), &f->orig.src) ||
		    !flow_addr_parse(jstr(sk, "remote_address"), &f->orig.dst))
			continue;
		f->orig.sport = (uint16_t)jint(sk, "local_port", 0);
		f->orig.dport = (uint16_t)jint(sk, "remote_port", 0);
		snprintf(f->state, sizeof(f->state), "%s", jstr(sk, "state"));
		long long ino = jint(sk, "inode", 0);
		cs->s.inode = ino > 0 ? (unsigned long)ino : 0;
		cs->c = &b->h.c[0];
		json_t *ow = json_array_get(jarr(sk, "owners"), 0);
		long long pid = jint(ow, "pid", 0);
		if (ow && pid > 0 && pid <= INT32_MAX) {
			struct proc_info *p = xcalloc(1, sizeof(*p));
			p->pid = (int)pid;
			p->uid = -1;
			p->comm = xstrdup0(jstr(ow, "comm"));
			p->exe = xstrdup0(jstr(ow, "exe"));
			json_t *oc = json_object_get(ow, "container");
			p->c = &b->h.c[0];
			if (json_is_null(oc))
				p->c = NULL; /* a process of the host */
			for (size_t k = 0; jstr(oc, "id") && k < b->h.n; k++)
				if (b->h.c[k].id && streq(b->h.c[k].id, jstr(oc, "id")))
					p->c = &b->h.c[k];
			if (p->c)
				cs->c = p->c;
			cs->proc = p;
			cs->fd = (int)jint(ow, "fd", -1);
			s->procs[s->n_procs++] = p;
		}
		s->n++;
	}
}

/* Its sockets and the conntrack entries, joined (attrib.h), into the connections. */
static void bundle_connections(struct tstate *s, struct tc *t, const struct bdocs *bd,
                               struct bjoin *b)
{
	bjoin_containers(b, t, bd);
	for (size_t i = 1; i < b->h.n; i++) {
		struct tc *o = tstate_add(s, b->h.c[i].name, b->h.c[i].id);
		o->state = xstrdup(b->h.c[i].state);
	}
	bjoin_sockets(b, bd->socks);
	size_t i, n = json_array_size(jarr(bd->ctj, "entries"));
	b->ct = xcalloc(n + 1, sizeof(*b->ct));
	json_t *ce;
	json_array_foreach(jarr(bd->ctj, "entries"), i, ce)
	{
		if (flow_from_ct_json(ce, &b->ct[b->n_ct]))
			b->n_ct++;
	}
	struct attrib_in in = {.h = &b->h, .socks = b->sk, .ct = b->ct, .n_ct = b->n_ct};
	b->at = attrib_join(&in);
	tstate_add_flows(s, b->at);
	if (s->o->ioc && s->o->ioc->n_names)
		tstate_note(s,
		            "the %zu name%s of the --ioc list need cirt watch's DNS records, which "
		            "a bundle does not hold: not matched",
		            s->o->ioc->n_names, s->o->ioc->n_names == 1 ? "" : "s");
}

/* The change list, in the daemon's form for tc_changes; added and deleted files on the
 * timeline. */
static void bundle_changes(struct tstate *s, struct tc *t, json_t *chg)
{
	size_t i;
	json_t *ce;
	json_t *dl = json_array();
	json_array_foreach(jarr(chg, "changes"), i, ce)
	{
		const char *k = jstr(ce, "kind"), *pth = jstr(ce, "path");
		if (!k || !pth)
			continue;
		int kind = streq(k, "A") ? 1 : streq(k, "D") ? 2 : 0;
		json_array_append_new(dl, json_pack("{s:s,s:i}", "Path", pth, "Kind", kind));
		const char *type = jstr(ce, "type");
		if (kind != 0 && !(type && streq(type, "directory"))) {
			_cleanup_free_ char *txt = xasprintf(
			    "%s %s (mtime)", kind == 1 ? "file added:" : "file deleted:", pth);
			tstate_timeline_rfc3339(s, jstr(ce, "mtime"), t->name, "file", txt);
		}
	}
	tc_changes(t, dl);
	json_decref(dl);
}

int triage_bundle(const char *path, const struct triage_opts *o, json_t **ret, struct cirt_err *err)
{
	struct bdocs bd = {0};
	if (bundle_load(path, &bd, err) < 0)
		return -1;
	struct tstate s = {
	    .o = o, .source = "bundle", .title = "cirt report", .next_fn = bundle_next};
	json_t *mc = jobj(bd.man, "container");
	s.hostname = xstrdup0(jstr(jobj(bd.man, "host"), "hostname"));
	s.n_containers = 1;
	bundle_integrity(&s, path, &bd);

	struct tc *t = tstate_add(&s, jstr(mc, "name"), jstr(mc, "id"));
	t->state = xstrdup0(jstr(mc, "state_at_start"));
	t->running = t->state && streq(t->state, "running");
	bundle_container(&s, t, &bd);
	bundle_escape_checks(&s, t, bd.ins);
	bundle_backdoor_checks(&s, t, path, bd.dir);
	bundle_deleted_programs(t, bd.procs);
	struct bjoin bj = {0};
	bundle_connections(&s, t, &bd, &bj);
	bundle_changes(&s, t, bd.chg);

	tc_score_findings(t);
	score_conns(&s);
	s.oddities = json_array();
	*ret = tstate_document(&s);
	tstate_free(&s);
	bjoin_clear(&bj);
	bdocs_clear(&bd);
	return 0;
}
