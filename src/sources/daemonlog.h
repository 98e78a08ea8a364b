/* daemonlog.h: the Docker daemon's own log lines, from the text files a host keeps them in
 * (/var/log/docker.log, daemon.log, syslog, messages, upstart/docker.log and their plain or .gz
 * rotations), read through rootfs_host_* (inside the image root with --root). A line is dockerd's
 * when it is logrus text (time="..." level=... msg="...") on its own or after a syslog prefix
 * naming dockerd. systemd's binary journal files are not read (listed in a note when present).
 * Also the facts the debug log gives about addresses: libnetwork's addSvcRecords /
 * deleteSvcRecords lines (container name or short id, address, network) and IPAM's
 * RequestAddress / ReleaseAddress. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define DAEMONLOG_MAX_BYTES (2ull << 30) /* of all files read */

struct daemonlog_line {
	int64_t time_ns;
	const char *level; /* "info", "debug", ...; "" when none */
	const char *msg;   /* the message, unquoted (escapes kept as written) */
	size_t msg_len;
	const char *text; /* the whole line */
	size_t len;
	const char *file;
	size_t lineno;
};

typedef int (*daemonlog_fn)(const struct daemonlog_line *l, void *ud);

/* Call fn for every dockerd line of every file found, oldest file first, in file order. Only
 * lines holding `filter` (NULL: all) are parsed. notes get the files read, unreadable ones and
 * binary journals seen. Returns the number of files read. */
size_t daemonlog_each(const char *filter, daemonlog_fn fn, void *ud, json_t *notes);

/* One line into l (exposed for tests and fuzzing); false when it is not dockerd's. */
bool daemonlog_parse(const char *s, size_t len, struct daemonlog_line *l);

/* An address event of the debug log: a container's name (or 12-hex short id) given an address on
 * a network (add) or losing it (!add). */
struct daemonlog_addr {
	int64_t time_ns;
	bool add;
	char who[128]; /* name or short id as logged */
	char addr[64]; /* without prefix */
	char net[16];  /* the network's short id, 7 hex */
};
/* Parse "... addSvcRecords(NAME, ADDR, ...) ..." / deleteSvcRecords out of a message. */
bool daemonlog_addr_parse(const struct daemonlog_line *l, struct daemonlog_addr *ret);
