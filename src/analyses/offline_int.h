/* offline_int.h: what the dead-box analyses (deadbox.c, supertimeline.c) share. */
#pragma once

#include "model/host.h"

/* A directory of the host (inside the image root with --root) as a path a reader can open: on
 * an image "/proc/self/fd/N" of a confined fd (*ret_fd, the caller closes it), on the running
 * machine the path itself (*ret_fd -1). NULL with *ret_fd = -errno when it cannot be opened. */
char *offline_dir_path(const char *dir, int *ret_fd);
/* The container whose record (or recovered address) holds addr, or NULL. */
struct container *offline_container_by_ip(struct host *h, const char *addr);
