/* docker.h: Docker Engine API client (libcurl + jansson): one keep-alive connection, versioned
 * paths, timeouts, bounded answers, parallel GETs and multiplexed streams. */
#pragma once

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "json.h" /* the answers come as JSON: its accessors come with the client */
#include "util.h"

#define DOCKER_DEFAULT_HOST "unix:///var/run/docker.sock"
#define DOCKER_API_MIN "1.24"
#define DOCKER_API_MAX "1.47"

struct docker;

struct docker_opts {
	const char *host;       /* NULL: $DOCKER_HOST, then the default socket */
	int timeout_ms;         /* whole request (0: 10 s) */
	int connect_timeout_ms; /* connect, and the version probe (0: 2 s) */
	size_t max_body;        /* cap on a buffered answer (0: 64 MiB) */
};

/* Create a client (does not connect). Fails only on an unusable host string. */
int docker_open(const struct docker_opts *opts, struct docker **ret, struct cirt_err *err);
void docker_close(struct docker *d);
static inline void docker_closep(struct docker **d)
{
	docker_close(*d);
}
#define _cleanup_docker_ _cleanup_(docker_closep)

/* Requests of this client (streams included) end within about a second once *flag is true,
 * for a thread that must stop while a stream is idle. NULL removes it. */
void docker_set_abort(struct docker *d, const atomic_bool *flag);

/* Probe /_ping and settle the API version to use. Called lazily by every request. */
int docker_negotiate(struct docker *d, struct cirt_err *err);
const char *docker_api_version(struct docker *d);
const char *docker_host(struct docker *d);

/* Raw request: path is unversioned ("/containers/json?all=1"). body may be NULL.
 * Any HTTP status is returned; transport failures are errors. ret_body is a buf the caller frees.
 */
int docker_request(struct docker *d, const char *method, const char *path, const char *body,
                   long *ret_status, struct buf *ret_body, struct cirt_err *err);

/* GET/POST expecting JSON with a 2xx status: HTTP errors carry the daemon's own message. */
int docker_get_json(struct docker *d, const char *path, json_t **ret, struct cirt_err *err);
int docker_post(struct docker *d, const char *path, const char *body, json_t **ret,
                struct cirt_err *err);

/* Many GETs at once over a small pool of keep-alive connections. Each result is filled
 * independently: a container removed meanwhile gives status 404 there, not a global failure.
 * Returns -1 only when the daemon cannot be reached at all. */
struct docker_result {
	long status;
	json_t *json;  /* on 2xx with a JSON body */
	int err_code;  /* 0 or enum cirt_exit */
	char *err_msg; /* owned */
};
int docker_get_json_many(struct docker *d, char *const *paths, size_t n, size_t parallel,
                         struct docker_result *res, struct cirt_err *err);
void docker_result_clear(struct docker_result *r);

/* Streaming GET: on_data gets the raw body as it arrives (return false to stop).
 * idle_timeout_ms bounds silence, not the total time. */
typedef bool (*docker_data_cb)(const char *data, size_t len, void *ud);
int docker_stream(struct docker *d, const char *path, int idle_timeout_ms, docker_data_cb on_data,
                  void *ud, long *ret_status, struct cirt_err *err);

/* The 8-byte stdout/stderr multiplexing header of non-TTY attach/logs streams. */
enum docker_stream_id { DOCKER_STDIN = 0, DOCKER_STDOUT = 1, DOCKER_STDERR = 2 };
typedef bool (*docker_frame_cb)(int stream, const char *data, size_t len, void *ud);
struct docker_demux {
	unsigned char hdr[8];
	size_t hdr_len;
	size_t remaining; /* payload bytes left in the current frame */
	int stream;
	bool raw; /* TTY container: no headers, all stdout */
	bool bad; /* saw an impossible header */
	docker_frame_cb cb;
	void *ud;
};
void docker_demux_init(struct docker_demux *m, bool raw, docker_frame_cb cb, void *ud);
/* Feed bytes; payload pieces are passed to cb as they arrive. Returns false if cb stopped or
 * the stream is not multiplexed as announced. */
bool docker_demux_feed(struct docker_demux *m, const char *data, size_t len);

/* URL-encode a query value into a new string. */
char *docker_urlencode(const char *s);
