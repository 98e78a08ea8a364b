/* evfeed.c: follow the daemon's /events in a thread, enrich events with inspect answers, take
 * snapshots on (re)connection, and queue records for the watch loop. */
#include "journal/evfeed.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>

#include "escape.h"
#include "journal/addrmap.h"
#include "journal/journal.h"
#include "model/host.h"
#include "sources/docker.h"
#include "sources/procfs.h"

#define QUEUE_MAX 100000 /* records waiting for the watch loop before this thread waits */
#define LINE_MAX_BYTES (1u << 20)
#define SEEN_MAX 64 /* events remembered at the newest timestamp, to drop replays */

struct cache_ent {
	char *id, *name, *image;
};

struct evfeed {
	struct docker *ds;    /* the events stream */
	struct docker *dr;    /* inspects, snapshots: the stream's handle is busy */
	atomic_bool stopping; /* ends the stream (its handle's abort flag) and the loop */
	atomic_bool abort;    /* ends everything, the final catch-up included */
	pthread_t th;
	bool started;
	int efd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct evrec *head, *tail;
	size_t qlen;
	bool first_done;
	int idle_ms;
	/* thread-only */
	struct cache_ent *cache;
	size_t ncache;
	uint64_t last_ns;
	uint32_t seen[SEEN_MAX];
	size_t nseen;
	struct buf part;
	bool part_skip;
};

/* ---------------------------------------------------------------- records */

static void evcontainer_clear(struct evcontainer *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->netns_of);
	for (size_t i = 0; i < c->n_addrs; i++)
		free(c->addrs[i].network);
	free(c->addrs);
	memset(c, 0, sizeof(*c));
}

void evrec_free(struct evrec *r)
{
	if (!r)
		return;
	json_decref(r->line);
	evcontainer_clear(&r->c);
	free(r->network);
	for (size_t i = 0; i < r->n_snap; i++)
		evcontainer_clear(&r->snap[i]);
	free(r->snap);
	free(r);
}

void evrec_free_list(struct evrec *r)
{
	while (r) {
		struct evrec *n = r->next;
		evrec_free(r);
		r = n;
	}
}

static void add_addr(struct evcontainer *c, const char *network, const char *text)
{
	struct flow_addr a;
	if (!text || !*text || !flow_addr_parse(text, &a))
		return;
	c->addrs = xrealloc(c->addrs, (c->n_addrs + 1) * sizeof(*c->addrs));
	c->addrs[c->n_addrs].network = xstrdup0(network);
	c->addrs[c->n_addrs].a = a;
	c->n_addrs++;
}

/* Attributes that have their own key in the line, or are repeated in the container object. */
static bool attr_promoted(const char *k)
{
	static const char *const keys[] = {"name",   "image",   "exitCode",  "signal",
	                                   "execID", "oldName", "container", "type"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (streq(k, keys[i]))
			return true;
	return false;
}

static bool skipped_action(const char *a)
{
	/* frequent and without forensic value */
	return startswith(a, "health_status") || streq(a, "resize") || streq(a, "top");
}

struct evrec *evfeed_parse_event(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	const char *type = jstr(j, "Type");
	const char *action = jstr(j, "Action");
	json_t *actor = jobj(j, "Actor");
	const char *aid = jstr(actor, "ID");
	json_t *attrs = jobj(actor, "Attributes");
	long long tn = jint(j, "timeNano", 0);
	if (tn <= 0)
		tn = jint(j, "time", 0) * 1000000000ll;
	if (!type || !action || !aid || tn <= 0) {
		json_decref(j);
		return NULL;
	}
	/* "exec_start: sh -c id": the action, then the command */
	size_t al = strcspn(action, ":");
	_cleanup_free_ char *base = xstrndup(action, al);
	const char *cmd = action[al] == ':' ? action + al + 1 : NULL;
	while (cmd && *cmd == ' ')
		cmd++;
	struct evrec *r = NULL;
	if (streq(type, "container") && !skipped_action(base)) {
		r = xcalloc(1, sizeof(*r));
		r->kind = EVR_EVENT;
		r->t_ns = (uint64_t)tn;
		r->c.id = xstrdup(aid);
		r->c.name = xstrdup0(jstr(attrs, "name"));
		r->c.image = xstrdup0(jstr(attrs, "image"));
		r->line = journal_line_new(r->t_ns, "docker");
		json_object_set_new(r->line, "action", json_str(base));
		json_t *co = json_object();
		json_object_set_new(co, "id", json_str(aid));
		json_object_set_new(co, "name", json_str(r->c.name));
		json_object_set_new(co, "image", json_str(r->c.image));
		json_object_set_new(r->line, "container", co);
		if (cmd)
			json_object_set_new(r->line, "command", json_str(cmd));
		const char *v;
		if ((v = jstr(attrs, "exitCode")))
			json_object_set_new(r->line, "exit_code", json_integer(atoll(v)));
		if ((v = jstr(attrs, "signal")))
			json_object_set_new(r->line, "signal", json_integer(atoll(v)));
		if ((v = jstr(attrs, "execID")))
			json_object_set_new(r->line, "exec_id", json_str(v));
		if ((v = jstr(attrs, "oldName")))
			json_object_set_new(r->line, "old_name", json_str(v[0] == '/' ? v + 1 : v));
		json_t *rest = json_object();
		const char *k;
		json_t *val;
		json_object_foreach(attrs, k, val)
		{
			if (!attr_promoted(k) && json_is_string(val))
				json_object_set_new(rest, k, json_str(json_string_value(val)));
		}
		if (json_object_size(rest))
			json_object_set_new(r->line, "attributes", rest);
		else
			json_decref(rest);
		if (streq(base, "start"))
			r->op = EVM_OPEN;
		else if (streq(base, "destroy"))
			r->op = EVM_GONE;
		else
			r->op = EVM_NAME;
	} else if (streq(type, "network") &&
	           (streq(base, "connect") || streq(base, "disconnect"))) {
		const char *cid = jstr(attrs, "container");
		if (cid && *cid) {
			r = xcalloc(1, sizeof(*r));
			r->kind = EVR_EVENT;
			r->t_ns = (uint64_t)tn;
			r->c.id = xstrdup(cid);
			r->network = xstrdup0(jstr(attrs, "name"));
			r->line = journal_line_new(r->t_ns, "docker");
			char *act = xasprintf("network_%s", base);
			json_object_set_new(r->line, "action", json_string(act));
			free(act);
			json_t *co = json_object();
			json_object_set_new(co, "id", json_str(cid));
			json_object_set_new(r->line, "container", co);
			json_object_set_new(r->line, "network", json_str(r->network));
			json_object_set_new(r->line, "network_id", json_str(aid));
			r->op = streq(base, "connect") ? EVM_OPEN : EVM_CLOSE_NET;
		}
	}
	json_decref(j);
	return r;
}

/* ---------------------------------------------------------------- the address map */

static int container_of(struct addrmap *am, const struct evcontainer *c)
{
	return c->id ? addrmap_container(am, c->id, c->name, c->image) : -1;
}

static void apply_snapshot(struct addrmap *am, const struct evrec *r)
{
	/* containers believed running that the daemon no longer lists ended during the gap */
	int *open = NULL;
	size_t nopen = addrmap_open_containers(am, &open);
	for (size_t i = 0; i < nopen; i++) {
		const struct am_container *c = addrmap_get(am, open[i]);
		bool listed = false;
		for (size_t k = 0; c && k < r->n_snap && !listed; k++)
			listed = streq(r->snap[k].id, c->id);
		if (!listed)
			addrmap_close(am, open[i], NULL, r->gap_from_ns ? r->gap_from_ns : r->t_ns);
	}
	free(open);
	for (size_t i = 0; i < r->n_snap; i++) {
		const struct evcontainer *c = &r->snap[i];
		int ci = container_of(am, c);
		uint64_t from = c->started_ns && c->started_ns < r->t_ns ? c->started_ns : r->t_ns;
		for (size_t k = 0; k < c->n_addrs; k++)
			addrmap_open(am, ci, &c->addrs[k].a, c->addrs[k].network, from);
	}
}

void evrec_apply(struct addrmap *am, const struct evrec *r)
{
	switch (r->kind) {
	case EVR_SNAPSHOT:
		apply_snapshot(am, r);
		break;
	case EVR_SUBNET:
		addrmap_subnet(am, &r->net, r->prefix);
		break;
	case EVR_EVENT: {
		int ci = container_of(am, &r->c);
		if (r->op == EVM_OPEN)
			for (size_t k = 0; k < r->c.n_addrs; k++)
				addrmap_open(am, ci, &r->c.addrs[k].a, r->c.addrs[k].network,
				             r->t_ns);
		else if (r->op == EVM_CLOSE_NET)
			addrmap_close(am, ci, r->network, r->t_ns);
		else if (r->op == EVM_GONE)
			addrmap_gone(am, ci, r->t_ns);
		break;
	}
	case EVR_LOST:
	case EVR_BACK:
		break;
	}
}

/* ---------------------------------------------------------------- queue */

static void push(struct evfeed *f, struct evrec *r)
{
	pthread_mutex_lock(&f->mu);
	/* bounded: a stuck consumer makes this thread wait, not grow */
	while (f->qlen >= QUEUE_MAX && !atomic_load(&f->stopping)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&f->cv, &f->mu, &ts);
	}
	r->next = NULL;
	if (f->tail)
		f->tail->next = r;
	else
		f->head = r;
	f->tail = r;
	f->qlen++;
	pthread_mutex_unlock(&f->mu);
	uint64_t one = 1;
	ssize_t k = write(f->efd, &one, sizeof(one));
	(void)k;
}

static void set_first_done(struct evfeed *f)
{
	pthread_mutex_lock(&f->mu);
	f->first_done = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

struct evrec *evfeed_take(struct evfeed *f)
{
	uint64_t v;
	ssize_t k = read(f->efd, &v, sizeof(v));
	(void)k;
	pthread_mutex_lock(&f->mu);
	struct evrec *r = f->head;
	f->head = f->tail = NULL;
	f->qlen = 0;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return r;
}

int evfeed_fd(struct evfeed *f)
{
	return f->efd;
}

bool evfeed_wait_first(struct evfeed *f, int timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&f->mu);
	while (!f->first_done)
		if (pthread_cond_timedwait(&f->cv, &f->mu, &ts) != 0)
			break;
	bool done = f->first_done;
	pthread_mutex_unlock(&f->mu);
	return done;
}

/* ---------------------------------------------------------------- the daemon */

static void cache_put(struct evfeed *f, const char *id, const char *name, const char *image)
{
	if (!id)
		return;
	for (size_t i = 0; i < f->ncache; i++)
		if (streq(f->cache[i].id, id)) {
			if (name) {
				free(f->cache[i].name);
				f->cache[i].name = xstrdup(name);
			}
			if (image) {
				free(f->cache[i].image);
				f->cache[i].image = xstrdup(image);
			}
			return;
		}
	f->cache = xrealloc(f->cache, (f->ncache + 1) * sizeof(*f->cache));
	f->cache[f->ncache].id = xstrdup(id);
	f->cache[f->ncache].name = xstrdup0(name);
	f->cache[f->ncache].image = xstrdup0(image);
	f->ncache++;
}

static const struct cache_ent *cache_get(struct evfeed *f, const char *id)
{
	for (size_t i = 0; i < f->ncache; i++)
		if (streq(f->cache[i].id, id))
			return &f->cache[i];
	return NULL;
}

static void cache_drop(struct evfeed *f, const char *id)
{
	for (size_t i = 0; i < f->ncache; i++)
		if (streq(f->cache[i].id, id)) {
			free(f->cache[i].id);
			free(f->cache[i].name);
			free(f->cache[i].image);
			f->cache[i] = f->cache[--f->ncache];
			return;
		}
}

static void fill_from(struct evcontainer *ec, const struct container *c)
{
	/* whose namespace it lives in: for the kernel's events and the DNS capture */
	ec->pid = c->pid;
	ec->netns = c->pid > 0 ? procfs_ns_inode(c->pid, "net") : 0;
	if (c->mode == NETMODE_CONTAINER && c->mode_target)
		ec->netns_of = xstrdup(c->mode_target);
	for (size_t k = 0; !c->eps_shared && k < c->n_eps; k++) {
		add_addr(ec, c->eps[k].network, c->eps[k].ipv4);
		add_addr(ec, c->eps[k].network, c->eps[k].ipv6);
	}
}

/* Ask the daemon about the container of an event: its name and image when the event did not say,
 * its addresses on start and network connect. */
static void enrich(struct evfeed *f, struct evrec *r)
{
	const struct cache_ent *ce = cache_get(f, r->c.id);
	if (ce && !r->c.name)
		r->c.name = xstrdup0(ce->name);
	if (ce && !r->c.image)
		r->c.image = xstrdup0(ce->image);
	if (f->dr && (r->op == EVM_OPEN || !r->c.name)) {
		_cleanup_free_ char *path = xasprintf("/containers/%s/json", r->c.id);
		json_t *j = NULL;
		struct cirt_err e = {0};
		if (docker_get_json(f->dr, path, &j, &e) == 0) {
			struct container c = {0};
			if (container_from_inspect(j, &c) == 0) {
				if (!r->c.name)
					r->c.name = xstrdup0(c.name);
				if (!r->c.image)
					r->c.image = xstrdup0(c.image);
				if (r->op == EVM_OPEN && !r->network) {
					r->c.pid = c.pid;
					r->c.netns = c.pid > 0 ? procfs_ns_inode(c.pid, "net") : 0;
					if (c.mode == NETMODE_CONTAINER && c.mode_target)
						r->c.netns_of = xstrdup(c.mode_target);
				}
				json_t *addrs = json_array();
				for (size_t k = 0;
				     r->op == EVM_OPEN && !c.eps_shared && k < c.n_eps; k++) {
					const struct endpoint *ep = &c.eps[k];
					if (r->network &&
					    (!ep->network || !streq(ep->network, r->network)))
						continue;
					add_addr(&r->c, ep->network, ep->ipv4);
					add_addr(&r->c, ep->network, ep->ipv6);
					if (ep->ipv4 && *ep->ipv4)
						json_array_append_new(addrs, json_str(ep->ipv4));
					if (ep->ipv6 && *ep->ipv6)
						json_array_append_new(addrs, json_str(ep->ipv6));
				}
				if (r->op == EVM_OPEN)
					json_object_set_new(r->line, "addresses", addrs);
				else
					json_decref(addrs);
				if (r->op == EVM_OPEN && !r->network)
					json_object_set_new(r->line, "network_mode",
					                    json_str(c.mode_raw));
			}
			container_clear(&c);
			json_decref(j);
		} else if (r->op == EVM_OPEN)
			json_object_set_new(r->line, "note", json_str(e.msg));
	}
	json_t *co = jobj(r->line, "container");
	if (co) {
		json_object_set_new(co, "name", json_str(r->c.name));
		json_object_set_new(co, "image", json_str(r->c.image));
	}
	const char *action = jstr(r->line, "action");
	const char *exec_id = jstr(r->line, "exec_id");
	if (f->dr && action && streq(action, "exec_start") && exec_id) {
		/* who ran it, and with which privileges: the event does not say */
		_cleanup_free_ char *enc = docker_urlencode(exec_id);
		_cleanup_free_ char *path = xasprintf("/exec/%s/json", enc);
		json_t *j = NULL;
		struct cirt_err e = {0};
		if (docker_get_json(f->dr, path, &j, &e) == 0) {
			json_t *pc = jobj(j, "ProcessConfig");
			const char *user = jstr(pc, "user");
			json_object_set_new(r->line, "user", json_str(user && *user ? user : NULL));
			json_object_set_new(r->line, "privileged",
			                    json_boolean(jbool(pc, "privileged")));
			json_object_set_new(r->line, "tty", json_boolean(jbool(pc, "tty")));
			json_t *argv = json_array();
			const char *ep = jstr(pc, "entrypoint");
			if (ep)
				json_array_append_new(argv, json_str(ep));
			json_t *args = jarr(pc, "arguments");
			size_t i;
			json_t *a;
			json_array_foreach(args, i, a) if (json_is_string(a))
			    json_array_append_new(argv, json_str(json_string_value(a)));
			json_object_set_new(r->line, "argv", argv);
		} else
			json_object_set_new(r->line, "note",
			                    json_str(e.msg)); /* the exec is gone already */
		json_decref(j);
	}
	if (r->op == EVM_GONE)
		cache_drop(f, r->c.id);
	else
		cache_put(f, r->c.id, r->c.name, r->c.image);
}

static void push_subnets(struct evfeed *f, json_t *net)
{
	json_t *cfg = jarr(jobj(net, "IPAM"), "Config");
	size_t i;
	json_t *c;
	json_array_foreach(cfg, i, c)
	{
		struct flow_addr a;
		int p;
		const char *s = jstr(c, "Subnet");
		if (!s || !addrmap_parse_cidr(s, &a, &p))
			continue;
		struct evrec *r = xcalloc(1, sizeof(*r));
		r->kind = EVR_SUBNET;
		r->net = a;
		r->prefix = p;
		push(f, r);
	}
}

static void fetch_subnets(struct evfeed *f, const char *one_id)
{
	json_t *j = NULL;
	struct cirt_err e = {0};
	_cleanup_free_ char *enc = one_id ? docker_urlencode(one_id) : NULL;
	_cleanup_free_ char *path = one_id ? xasprintf("/networks/%s", enc) : xstrdup("/networks");
	if (docker_get_json(f->dr, path, &j, &e) < 0)
		return;
	if (json_is_array(j)) {
		size_t i;
		json_t *n;
		json_array_foreach(j, i, n) push_subnets(f, n);
	} else
		push_subnets(f, j);
	json_decref(j);
}

static uint32_t line_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static void handle_line(struct evfeed *f, const char *s, size_t n)
{
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (!n)
		return;
	/* a reconnection asks for events since the last one seen: drop what was already handled */
	json_t *j = json_loadb(s, n, 0, NULL);
	long long tn = jint(j, "timeNano", 0);
	const char *type = jstr(j, "Type");
	const char *action = jstr(j, "Action");
	bool net_create = type && action && streq(type, "network") && streq(action, "create");
	_cleanup_free_ char *net_id = net_create ? xstrdup0(jstr(jobj(j, "Actor"), "ID")) : NULL;
	json_decref(j);
	if (tn <= 0)
		return;
	uint32_t h = line_hash(s, n);
	if ((uint64_t)tn < f->last_ns)
		return;
	if ((uint64_t)tn == f->last_ns) {
		for (size_t i = 0; i < f->nseen; i++)
			if (f->seen[i] == h)
				return;
	} else {
		f->last_ns = (uint64_t)tn;
		f->nseen = 0;
	}
	if (f->nseen < SEEN_MAX)
		f->seen[f->nseen++] = h;
	if (net_create && net_id) {
		if (f->dr)
			fetch_subnets(f, net_id);
		return;
	}
	struct evrec *r = evfeed_parse_event(s, n);
	if (!r)
		return;
	enrich(f, r);
	push(f, r);
}

static bool on_data(const char *data, size_t len, void *ud)
{
	struct evfeed *f = ud;
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;
		if (!f->part_skip) {
			if (f->part.len + take > LINE_MAX_BYTES) {
				f->part_skip = true;
				f->part.len = 0;
			} else
				buf_append(&f->part, data, take);
		}
		if (nl) {
			if (!f->part_skip && f->part.len)
				handle_line(f, f->part.data, f->part.len);
			f->part.len = 0;
			f->part_skip = false;
			take++;
		}
		data += take;
		len -= take;
	}
	return !atomic_load(&f->abort);
}

/* Stopping: the events of the last moments may still be on their way through the stream that
 * was just cut. Ask for them again, up to now; the daemon ends that answer by itself. */
static void catch_up(struct evfeed *f, const char *filters)
{
	uint64_t now = journal_now_ns();
	char since[48], until[48];
	snprintf(since, sizeof(since), "%llu.%09llu",
	         (unsigned long long)(f->last_ns / 1000000000ull),
	         (unsigned long long)(f->last_ns % 1000000000ull));
	snprintf(until, sizeof(until), "%llu.%09llu", (unsigned long long)(now / 1000000000ull),
	         (unsigned long long)(now % 1000000000ull));
	_cleanup_free_ char *path =
	    xasprintf("/events?since=%s&until=%s&filters=%s", since, until, filters);
	struct cirt_err e = {0};
	long status = 0;
	f->part.len = 0;
	f->part_skip = false;
	/* the stream's own handle (the other one serves the inspects of what arrives), no longer
	 * cut by the stop flag; a silent daemon ends it after 2 s */
	docker_set_abort(f->ds, &f->abort);
	docker_stream(f->ds, path, 2000, on_data, f, &status, &e);
}

static struct evrec *snapshot(struct host *h, uint64_t gap_from)
{
	struct evrec *r = xcalloc(1, sizeof(*r));
	r->kind = EVR_SNAPSHOT;
	r->t_ns = journal_now_ns();
	r->gap_from_ns = gap_from;
	r->snap = xcalloc(h->n + 1, sizeof(*r->snap));
	for (size_t i = 0; i < h->n; i++) {
		const struct container *c = &h->c[i];
		if (!c->running || !c->id)
			continue;
		struct evcontainer *ec = &r->snap[r->n_snap++];
		ec->id = xstrdup(c->id);
		ec->name = xstrdup0(c->name);
		ec->image = xstrdup0(c->image);
		uint64_t t = 0;
		if (c->started_at && journal_time_parse(c->started_at, &t))
			ec->started_ns = t;
		fill_from(ec, c);
	}
	return r;
}

static struct evrec *daemon_rec(enum evrec_kind k, uint64_t t, const char *action)
{
	struct evrec *r = xcalloc(1, sizeof(*r));
	r->kind = k;
	r->t_ns = t;
	r->line = journal_line_new(t, "daemon");
	json_object_set_new(r->line, "action", json_string(action));
	return r;
}

/* Sleep in small steps so that a stop request is honoured quickly. */
static void nap(struct evfeed *f, int ms)
{
	for (int slept = 0; slept < ms && !atomic_load(&f->stopping); slept += 100)
		poll(NULL, 0, 100);
}

static void *run(void *arg)
{
	struct evfeed *f = arg;
	uint64_t lost_since = 0;
	bool need_snapshot = true;
	int backoff = 250;
	_cleanup_free_ char *filters = docker_urlencode("{\"type\":[\"container\",\"network\"]}");
	bool connected = false;
	while (!atomic_load(&f->stopping)) {
		if (need_snapshot) {
			uint64_t t0 = journal_now_ns();
			struct host *h = NULL;
			struct host_load_opts o = {.all = false};
			struct cirt_err e = {0};
			if (host_load(f->dr, &o, &h, &e) < 0) {
				if (atomic_load(&f->stopping))
					break;
				if (!lost_since) {
					lost_since = t0;
					struct evrec *r = daemon_rec(EVR_LOST, t0, "unreachable");
					json_object_set_new(r->line, "error", json_str(e.msg));
					push(f, r);
				}
				set_first_done(f);
				nap(f, backoff);
				backoff = backoff < 2500 ? backoff * 2 : 5000;
				continue;
			}
			for (size_t i = 0; i < h->n; i++)
				cache_put(f, h->c[i].id, h->c[i].name, h->c[i].image);
			if (lost_since) {
				uint64_t now = journal_now_ns();
				struct evrec *r = daemon_rec(EVR_BACK, now, "back");
				char b[40];
				json_object_set_new(
				    r->line, "gap_from",
				    json_string(journal_time_str(lost_since, b, sizeof(b))));
				json_object_set_new(r->line, "gap_seconds",
				                    json_real((double)(now - lost_since) / 1e9));
				json_object_set_new(r->line, "note",
				                    json_string("daemon events during the gap are "
				                                "not recorded (a restarted "
				                                "daemon keeps none from before); "
				                                "flows were recorded with the "
				                                "addresses known before the gap"));
				push(f, r);
			}
			push(f, snapshot(h, lost_since));
			host_free(h);
			fetch_subnets(f, NULL);
			if (!f->last_ns)
				f->last_ns = t0;
			lost_since = 0;
			connected = true;
			need_snapshot = false;
			backoff = 250;
			set_first_done(f);
		}
		char since[48];
		snprintf(since, sizeof(since), "%llu.%09llu",
		         (unsigned long long)(f->last_ns / 1000000000ull),
		         (unsigned long long)(f->last_ns % 1000000000ull));
		_cleanup_free_ char *path =
		    xasprintf("/events?since=%s&filters=%s", since, filters);
		long status = 0;
		struct cirt_err e = {0};
		f->part.len = 0;
		f->part_skip = false;
		int r = docker_stream(f->ds, path, f->idle_ms, on_data, f, &status, &e);
		if (atomic_load(&f->stopping))
			break;
		if (r < 0 && e.code == CIRT_EXIT_TIMEOUT) {
			/* a quiet stream: make sure the daemon still answers, then follow it again
			 */
			long ps = 0;
			struct buf body = {0};
			struct cirt_err pe = {0};
			int pr = docker_request(f->dr, "GET", "/_ping", NULL, &ps, &body, &pe);
			buf_free(&body);
			if (pr == 0 && ps == 200)
				continue;
			snprintf(e.msg, sizeof(e.msg), "%s",
			         pr < 0 ? pe.msg : "daemon does not answer /_ping");
		} else if (r == 0 && (status < 200 || status >= 300))
			snprintf(e.msg, sizeof(e.msg), "events stream refused: HTTP %ld", status);
		else if (r == 0)
			snprintf(e.msg, sizeof(e.msg), "events stream closed by the daemon");
		lost_since = journal_now_ns();
		struct evrec *lr = daemon_rec(EVR_LOST, lost_since, "lost");
		json_object_set_new(lr->line, "error", json_str(e.msg));
		push(f, lr);
		need_snapshot = true;
		if (r == 0 && status >= 200 && status < 300)
			nap(f, 100); /* a daemon shutting down closes streams before its socket */
		else
			nap(f, backoff);
	}
	if (connected && !need_snapshot)
		catch_up(f, filters);
	set_first_done(f);
	return NULL;
}

static struct evfeed *feed_new(struct cirt_err *err)
{
	struct evfeed *f = xcalloc(1, sizeof(*f));
	atomic_init(&f->abort, false);
	atomic_init(&f->stopping, false);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->efd < 0) {
		err_set(err, CIRT_EXIT_RUNTIME, "eventfd: %s", strerror(errno));
		evfeed_stop(f);
		return NULL;
	}
	return f;
}

struct evfeed *evfeed_detached(struct cirt_err *err)
{
	return feed_new(err);
}

void evfeed_feed(struct evfeed *f, const char *data, size_t len)
{
	on_data(data, len, f);
}

int evfeed_start(const struct evfeed_opts *o, struct evfeed **ret, struct cirt_err *err)
{
	struct evfeed *f = feed_new(err);
	if (!f)
		return -1;
	f->idle_ms = o->idle_ms > 0 ? o->idle_ms : 60000;
	struct docker_opts dopts = {.host = o->host, .timeout_ms = o->timeout_ms};
	if (docker_open(&dopts, &f->ds, err) < 0 || docker_open(&dopts, &f->dr, err) < 0) {
		evfeed_stop(f);
		return -1;
	}
	docker_set_abort(f->ds, &f->stopping);
	docker_set_abort(f->dr, &f->abort);
	int e = pthread_create(&f->th, NULL, run, f);
	if (e) {
		err_set(err, CIRT_EXIT_RUNTIME, "cannot start the events thread: %s", strerror(e));
		evfeed_stop(f);
		return -1;
	}
	f->started = true;
	*ret = f;
	return 0;
}

void evfeed_join(struct evfeed *f)
{
	if (!f)
		return;
	atomic_store(&f->stopping, true);
	pthread_mutex_lock(&f->mu);
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	if (f->started)
		pthread_join(f->th, NULL);
	f->started = false;
}

void evfeed_stop(struct evfeed *f)
{
	if (!f)
		return;
	evfeed_join(f);
	evrec_free_list(f->head);
	docker_close(f->ds);
	docker_close(f->dr);
	if (f->efd >= 0)
		close(f->efd);
	for (size_t i = 0; i < f->ncache; i++) {
		free(f->cache[i].id);
		free(f->cache[i].name);
		free(f->cache[i].image);
	}
	free(f->cache);
	buf_free(&f->part);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}
