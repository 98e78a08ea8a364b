/* sockets.h: parsers of /proc/<pid>/net/{tcp,tcp6,udp,udp6,raw,raw6,unix} (unit-tested). */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/* Append one object per socket line to out: proto, local/remote address and port, state,
 * queues, uid, inode. The header line is skipped. Returns the number added. */
int ev_sockets_parse_inet(const char *text, const char *proto, bool v6, json_t *out);
/* Unix sockets: proto "unix", type, state, inode, path (null when unnamed). */
int ev_sockets_parse_unix(const char *text, json_t *out);
