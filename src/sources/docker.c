/* docker.c: the Docker Engine API over libcurl, answers parsed with jansson. */
#include "sources/docker.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <strings.h>

#include "config.h"

struct docker {
	CURL *easy;
	char *host; /* as given */
	char *sock; /* unix socket path, or NULL for tcp */
	char *base; /* "http://localhost" or "https://host:port" */
	char *tls_ca, *tls_cert, *tls_key;
	bool tls, tls_verify;
	int timeout_ms, connect_timeout_ms;
	size_t max_body;
	char version[16];         /* negotiated, "" until then */
	const atomic_bool *abort; /* docker_set_abort */
};

struct xfer {
	struct buf body;
	size_t max;
	bool too_big;
	char api_version[16];
	docker_data_cb on_data;
	void *ud;
	bool stopped;
	bool answered; /* a header line came: the peer speaks HTTP */
};

static bool curl_ready;

static size_t on_write(char *p, size_t sz, size_t nm, void *ud)
{
	struct xfer *x = ud;
	size_t n = sz * nm;
	if (x->on_data) {
		if (!x->on_data(p, n, x->ud)) {
			x->stopped = true;
			return 0;
		}
		return n;
	}
	if (x->body.len + n > x->max) {
		x->too_big = true;
		return 0;
	}
	buf_append(&x->body, p, n);
	return n;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
	struct xfer *x = ud;
	size_t n = sz * nm;
	x->answered = true;
	static const char key[] = "api-version:";
	if (n > sizeof(key) && strncasecmp(p, key, sizeof(key) - 1) == 0) {
		const char *v = p + sizeof(key) - 1;
		while (*v == ' ')
			v++;
		size_t l = 0;
		while (l < sizeof(x->api_version) - 1 && v + l < p + n && v[l] != '\r' &&
		       v[l] != '\n')
			l++;
		memcpy(x->api_version, v, l);
		x->api_version[l] = '\0';
	}
	return n;
}

static int parse_host(struct docker *d, const char *host, struct cirt_err *err)
{
	d->host = xstrdup(host);
	if (startswith(host, "unix://")) {
		const char *path = host + strlen("unix://");
		if (!*path)
			return err_set(err, CIRT_EXIT_USAGE, "docker host '%s': empty socket path",
			               host);
		d->sock = xstrdup(path);
		d->base = xstrdup("http://localhost");
		return 0;
	}
	if (startswith(host, "tcp://")) {
		const char *hp = host + strlen("tcp://");
		if (!*hp)
			return err_set(err, CIRT_EXIT_USAGE, "docker host '%s': no address", host);
		const char *tv = getenv("DOCKER_TLS_VERIFY");
		const char *t = getenv("DOCKER_TLS");
		d->tls_verify = tv && *tv && !streq(tv, "0");
		d->tls = d->tls_verify || (t && *t && !streq(t, "0"));
		size_t hl = strcspn(hp, "/");
		d->base = xasprintf("%s://%.*s", d->tls ? "https" : "http", (int)hl, hp);
		if (d->tls) {
			const char *cp = getenv("DOCKER_CERT_PATH");
			const char *home = getenv("HOME");
			_cleanup_free_ char *dir =
			    cp && *cp ? xstrdup(cp)
			              : xasprintf("%s/.docker", home ? home : "/root");
			d->tls_ca = xasprintf("%s/ca.pem", dir);
			d->tls_cert = xasprintf("%s/cert.pem", dir);
			d->tls_key = xasprintf("%s/key.pem", dir);
		}
		return 0;
	}
	return err_set(err, CIRT_EXIT_USAGE,
	               "docker host '%s': unsupported scheme (use unix:// or tcp://)", host);
}

/* Called by libcurl about once a second even when nothing arrives: a set abort flag ends the
 * transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_xferinfo(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	const atomic_bool *flag = ud;
	return flag && atomic_load(flag) ? 1 : 0;
}

static void setup_abort(struct docker *d, CURL *e)
{
	if (!d->abort) {
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 1L);
		return;
	}
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, (void *)d->abort);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
}

void docker_set_abort(struct docker *d, const atomic_bool *flag)
{
	d->abort = flag;
	setup_abort(d, d->easy);
}

static void setup_easy(struct docker *d, CURL *e)
{
	setup_abort(d, e);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)d->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "cirt/" CIRT_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	/* never follow redirects, never use a proxy from the environment for the daemon */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	if (d->sock)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, d->sock);
	if (d->tls) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, d->tls_verify ? 1L : 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, d->tls_verify ? 2L : 0L);
		if (d->tls_ca && access(d->tls_ca, R_OK) == 0)
			curl_easy_setopt(e, CURLOPT_CAINFO, d->tls_ca);
		if (d->tls_cert && access(d->tls_cert, R_OK) == 0)
			curl_easy_setopt(e, CURLOPT_SSLCERT, d->tls_cert);
		if (d->tls_key && access(d->tls_key, R_OK) == 0)
			curl_easy_setopt(e, CURLOPT_SSLKEY, d->tls_key);
	}
}

int docker_open(const struct docker_opts *opts, struct docker **ret, struct cirt_err *err)
{
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = true;
	}
	struct docker *d = xcalloc(1, sizeof(*d));
	const char *host = opts && opts->host ? opts->host : getenv("DOCKER_HOST");
	if (!host || !*host)
		host = DOCKER_DEFAULT_HOST;
	d->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
	d->connect_timeout_ms =
	    opts && opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 2000;
	d->max_body = opts && opts->max_body ? opts->max_body : 64u << 20;
	if (parse_host(d, host, err) < 0) {
		docker_close(d);
		return -1;
	}
	d->easy = curl_easy_init();
	if (!d->easy) {
		docker_close(d);
		return err_set(err, CIRT_EXIT_RUNTIME, "cannot initialise libcurl");
	}
	setup_easy(d, d->easy);
	*ret = d;
	return 0;
}

void docker_close(struct docker *d)
{
	if (!d)
		return;
	if (d->easy)
		curl_easy_cleanup(d->easy);
	free(d->host);
	free(d->sock);
	free(d->base);
	free(d->tls_ca);
	free(d->tls_cert);
	free(d->tls_key);
	free(d);
}

const char *docker_api_version(struct docker *d)
{
	return d->version;
}

const char *docker_host(struct docker *d)
{
	return d->host;
}

/* Turn a failed transfer into one clear message and exit code. */
static int transport_error(struct docker *d, CURL *e, CURLcode rc, const struct xfer *x,
                           int timeout_ms, struct cirt_err *err)
{
	const char *where = d->sock ? d->sock : d->base;
	long oserr = 0;
	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
	/* a daemon run with --tlsverify drops a client without a certificate: during the handshake
	 * (TLS 1.2) or after it (1.3: the request's send or the answer's read fails) */
	bool lost = rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
	            rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PARTIAL_FILE;
	if (lost && !d->sock && d->tls && x && !x->answered &&
	    (!d->tls_cert || access(d->tls_cert, R_OK) != 0))
		return err_set(
		    err, CIRT_EXIT_UNREACHABLE,
		    "TLS to '%s': the daemon closed the connection (%s): no client certificate "
		    "('%s' unreadable), which a daemon run with --tlsverify requires",
		    where, curl_easy_strerror(rc),
		    d->tls_cert ? d->tls_cert : "DOCKER_CERT_PATH/cert.pem");
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		if (oserr == EACCES || oserr == EPERM)
			return err_set(err, CIRT_EXIT_PERM,
			               "connect '%s': permission denied (run as root or join the "
			               "docker group)",
			               where);
		if (oserr == ENOENT)
			return err_set(
			    err, CIRT_EXIT_UNREACHABLE,
			    "connect '%s': no such socket (is dockerd running? try --host)", where);
		if (oserr == ECONNREFUSED)
			return err_set(err, CIRT_EXIT_UNREACHABLE,
			               "connect '%s': connection refused (is dockerd running?)",
			               where);
		return err_set(
		    err, CIRT_EXIT_UNREACHABLE, "connect '%s': %s%s%s (is dockerd running?)", where,
		    curl_easy_strerror(rc), oserr ? ": " : "", oserr ? strerror((int)oserr) : "");
	case CURLE_OPERATION_TIMEDOUT:
		return err_set(err, CIRT_EXIT_TIMEOUT,
		               "daemon at '%s' did not answer within %.1f s (hung or overloaded?)",
		               where, timeout_ms / 1000.0);
	case CURLE_WRITE_ERROR:
		if (x && x->too_big)
			return err_set(err, CIRT_EXIT_BADANSWER,
			               "answer from '%s' larger than %zu MiB: refused", where,
			               d->max_body >> 20);
		break;
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
		/* nothing usable before the first byte of an answer: most often a TLS mismatch */
		if (!d->sock && !d->tls && x && !x->answered)
			return err_set(
			    err, CIRT_EXIT_BADANSWER,
			    "no HTTP answer from '%s': %s (if the daemon speaks TLS, set "
			    "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)",
			    where, curl_easy_strerror(rc));
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "truncated or garbled answer from '%s': %s", where,
		               curl_easy_strerror(rc));
	case CURLE_PEER_FAILED_VERIFICATION:
		return err_set(
		    err, CIRT_EXIT_UNREACHABLE,
		    "TLS to '%s': the daemon's certificate is not trusted: %s (is '%s' the CA that "
		    "signed it, and is the address in the certificate?)",
		    where, curl_easy_strerror(rc),
		    d->tls_ca ? d->tls_ca : "DOCKER_CERT_PATH/ca.pem");
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return err_set(err, CIRT_EXIT_UNREACHABLE, "TLS to '%s': %s", where,
		               curl_easy_strerror(rc));
	default:
		break;
	}
	return err_set(err, CIRT_EXIT_RUNTIME, "request to '%s': %s", where,
	               curl_easy_strerror(rc));
}

static int api_cmp(const char *a, const char *b)
{
	unsigned am = 0, an = 0, bm = 0, bn = 0;
	sscanf(a, "%u.%u", &am, &an);
	sscanf(b, "%u.%u", &bm, &bn);
	if (am != bm)
		return am < bm ? -1 : 1;
	if (an != bn)
		return an < bn ? -1 : 1;
	return 0;
}

static void prepare(struct docker *d, CURL *e, const char *method, const char *url,
                    const char *body, struct xfer *x, long timeout_ms)
{
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 0L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 0L);
	if (streq(method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
	} else {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, streq(method, "POST") ? NULL : method);
	}
	(void)d;
}

int docker_negotiate(struct docker *d, struct cirt_err *err)
{
	if (d->version[0])
		return 0;
	struct xfer x = {.max = 4096};
	_cleanup_free_ char *url = xasprintf("%s/_ping", d->base);
	prepare(d, d->easy, "GET", url, NULL, &x, d->connect_timeout_ms);
	CURLcode rc = curl_easy_perform(d->easy);
	if (rc != CURLE_OK) {
		int r = transport_error(d, d->easy, rc, &x, d->connect_timeout_ms, err);
		buf_free(&x.body);
		return r;
	}
	long status = 0;
	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
	buf_free(&x.body);
	if (status != 200)
		return err_set(err, CIRT_EXIT_DAEMON, "daemon at '%s': /_ping answered HTTP %ld",
		               d->sock ? d->sock : d->base, status);
	const char *v = x.api_version[0] ? x.api_version : "1.24";
	unsigned maj, min;
	if (sscanf(v, "%u.%u", &maj, &min) != 2)
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "daemon announced an unreadable API version");
	if (api_cmp(v, DOCKER_API_MIN) < 0)
		return err_set(err, CIRT_EXIT_DAEMON,
		               "daemon API %u.%u is older than the oldest supported (%s)", maj, min,
		               DOCKER_API_MIN);
	if (api_cmp(v, DOCKER_API_MAX) > 0)
		v = DOCKER_API_MAX;
	snprintf(d->version, sizeof(d->version), "%s", v);
	return 0;
}

static char *versioned_url(struct docker *d, const char *path)
{
	return xasprintf("%s/v%s%s", d->base, d->version, path);
}

int docker_request(struct docker *d, const char *method, const char *path, const char *body,
                   long *ret_status, struct buf *ret_body, struct cirt_err *err)
{
	if (docker_negotiate(d, err) < 0)
		return -1;
	struct xfer x = {.max = d->max_body};
	_cleanup_free_ char *url = versioned_url(d, path);
	struct curl_slist *hdrs = NULL;
	if (body) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, hdrs);
	}
	prepare(d, d->easy, method, url, body, &x, d->timeout_ms);
	CURLcode rc = curl_easy_perform(d->easy);
	curl_easy_setopt(d->easy, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		transport_error(d, d->easy, rc, &x, d->timeout_ms, err);
		buf_free(&x.body);
		return -1;
	}
	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, ret_status);
	buf_cstr(&x.body);
	*ret_body = x.body;
	return 0;
}

/* The daemon's own words for an HTTP error. */
static int http_error(long status, const struct buf *body, struct cirt_err *err)
{
	const char *msg = NULL;
	json_t *j = NULL;
	if (body->len) {
		j = json_loadb(body->data, body->len, 0, NULL);
		msg = jstr(j, "message");
	}
	int code = status == 404 ? CIRT_EXIT_NOTFOUND : CIRT_EXIT_DAEMON;
	if (msg)
		err_set(err, code, "daemon: %s (HTTP %ld)", msg, status);
	else if (body->len)
		err_set(err, code, "daemon: HTTP %ld: %.200s", status, body->data);
	else
		err_set(err, code, "daemon: HTTP %ld", status);
	json_decref(j);
	return -1;
}

static int parse_json(const struct buf *body, json_t **ret, struct cirt_err *err)
{
	json_error_t je;
	if (!body->len) {
		*ret = json_null();
		return 0;
	}
	json_t *j = json_loadb(body->data, body->len, JSON_DECODE_ANY, &je);
	if (!j)
		return err_set(err, CIRT_EXIT_BADANSWER,
		               "daemon answer is not JSON (%s at byte %d)", je.text, je.position);
	*ret = j;
	return 0;
}

static int request_json(struct docker *d, const char *method, const char *path, const char *body,
                        json_t **ret, struct cirt_err *err)
{
	long status = 0;
	struct buf b = {0};
	if (docker_request(d, method, path, body, &status, &b, err) < 0)
		return -1;
	int r;
	if (status < 200 || status >= 300)
		r = http_error(status, &b, err);
	else
		r = parse_json(&b, ret, err);
	buf_free(&b);
	return r;
}

int docker_get_json(struct docker *d, const char *path, json_t **ret, struct cirt_err *err)
{
	return request_json(d, "GET", path, NULL, ret, err);
}

int docker_post(struct docker *d, const char *path, const char *body, json_t **ret,
                struct cirt_err *err)
{
	json_t *j = NULL;
	if (request_json(d, "POST", path, body, &j, err) < 0)
		return -1;
	if (ret)
		*ret = j;
	else
		json_decref(j);
	return 0;
}

void docker_result_clear(struct docker_result *r)
{
	json_decref(r->json);
	free(r->err_msg);
	memset(r, 0, sizeof(*r));
}

int docker_get_json_many(struct docker *d, char *const *paths, size_t n, size_t parallel,
                         struct docker_result *res, struct cirt_err *err)
{
	if (docker_negotiate(d, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	if (parallel < 1)
		parallel = 1;
	if (parallel > n)
		parallel = n;
	CURLM *m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)parallel);
	CURL **slot = xcalloc(parallel, sizeof(*slot));
	struct xfer *xs = xcalloc(parallel, sizeof(*xs));
	size_t *which = xcalloc(parallel, sizeof(*which));
	char **urls = xcalloc(parallel, sizeof(*urls));
	size_t next = 0, done = 0;
	int fatal = 0;

	for (size_t s = 0; s < parallel; s++) {
		slot[s] = curl_easy_init();
		setup_easy(d, slot[s]);
		curl_easy_setopt(slot[s], CURLOPT_PRIVATE, (void *)(uintptr_t)s);
	}
	/* start one transfer on a free slot */
#define START(s)                                                                                   \
	do {                                                                                       \
		which[s] = next;                                                                   \
		memset(&xs[s], 0, sizeof(xs[s]));                                                  \
		xs[s].max = d->max_body;                                                           \
		free(urls[s]);                                                                     \
		urls[s] = versioned_url(d, paths[next]);                                           \
		prepare(d, slot[s], "GET", urls[s], NULL, &xs[s], d->timeout_ms);                  \
		curl_multi_add_handle(m, slot[s]);                                                 \
		next++;                                                                            \
	} while (0)
	for (size_t s = 0; s < parallel && next < n; s++)
		START(s);

	while (done < n && !fatal) {
		int running = 0;
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *e = msg->easy_handle;
			void *priv = NULL;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
			size_t s = (size_t)(uintptr_t)priv;
			struct docker_result *r = &res[which[s]];
			struct cirt_err e1 = {0};
			CURLcode rc = msg->data.result;
			curl_multi_remove_handle(m, e);
			if (rc != CURLE_OK) {
				transport_error(d, e, rc, &xs[s], d->timeout_ms, &e1);
				r->err_code = e1.code;
				r->err_msg = xstrdup(e1.msg);
				if (e1.code == CIRT_EXIT_UNREACHABLE || e1.code == CIRT_EXIT_PERM) {
					*err = e1;
					fatal = 1;
				}
			} else {
				curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
				if (r->status < 200 || r->status >= 300)
					http_error(r->status, &xs[s].body, &e1);
				else
					parse_json(&xs[s].body, &r->json, &e1);
				if (e1.code) {
					r->err_code = e1.code;
					r->err_msg = xstrdup(e1.msg);
				}
			}
			buf_free(&xs[s].body);
			done++;
			if (next < n && !fatal)
				START(s);
		}
		if (done < n && !fatal)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
#undef START
	for (size_t s = 0; s < parallel; s++) {
		curl_multi_remove_handle(m, slot[s]);
		curl_easy_cleanup(slot[s]);
		buf_free(&xs[s].body);
		free(urls[s]);
	}
	curl_multi_cleanup(m);
	free(slot);
	free(xs);
	free(which);
	free(urls);
	return fatal ? -1 : 0;
}

int docker_stream(struct docker *d, const char *path, int idle_timeout_ms, docker_data_cb on_data,
                  void *ud, long *ret_status, struct cirt_err *err)
{
	if (docker_negotiate(d, err) < 0)
		return -1;
	struct xfer x = {.max = d->max_body, .on_data = on_data, .ud = ud};
	_cleanup_free_ char *url = versioned_url(d, path);
	prepare(d, d->easy, "GET", url, NULL, &x, 0);
	long idle_s = idle_timeout_ms > 0 ? (idle_timeout_ms + 999) / 1000 : d->timeout_ms / 1000;
	curl_easy_setopt(d->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(d->easy, CURLOPT_LOW_SPEED_TIME, idle_s > 0 ? idle_s : 1L);
	/* an HTTP error body must still be readable: buffer it instead of streaming */
	CURLcode rc = curl_easy_perform(d->easy);
	curl_easy_setopt(d->easy, CURLOPT_LOW_SPEED_LIMIT, 0L);
	curl_easy_setopt(d->easy, CURLOPT_LOW_SPEED_TIME, 0L);
	long status = 0;
	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
	if (ret_status)
		*ret_status = status;
	if (rc == CURLE_WRITE_ERROR && x.stopped)
		return 0;
	if (rc != CURLE_OK)
		return transport_error(d, d->easy, rc, &x, (int)idle_s * 1000, err);
	return 0;
}

void docker_demux_init(struct docker_demux *m, bool raw, docker_frame_cb cb, void *ud)
{
	memset(m, 0, sizeof(*m));
	m->raw = raw;
	m->cb = cb;
	m->ud = ud;
}

bool docker_demux_feed(struct docker_demux *m, const char *data, size_t len)
{
	if (m->raw)
		return m->cb(DOCKER_STDOUT, data, len, m->ud);
	while (len > 0) {
		if (m->remaining == 0) {
			size_t take = 8 - m->hdr_len;
			if (take > len)
				take = len;
			memcpy(m->hdr + m->hdr_len, data, take);
			m->hdr_len += take;
			data += take;
			len -= take;
			if (m->hdr_len < 8)
				return true;
			m->hdr_len = 0;
			if (m->hdr[0] > 2 || m->hdr[1] || m->hdr[2] || m->hdr[3]) {
				m->bad = true;
				return false;
			}
			m->stream = m->hdr[0];
			m->remaining = ((size_t)m->hdr[4] << 24) | ((size_t)m->hdr[5] << 16) |
			               ((size_t)m->hdr[6] << 8) | m->hdr[7];
			continue;
		}
		size_t take = m->remaining < len ? m->remaining : len;
		if (!m->cb(m->stream, data, take, m->ud))
			return false;
		data += take;
		len -= take;
		m->remaining -= take;
	}
	return true;
}

char *docker_urlencode(const char *s)
{
	struct buf b = {0};
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			buf_append(&b, p, 1);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	buf_cstr(&b);
	return b.data;
}
