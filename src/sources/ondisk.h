/* ondisk.h: the Docker daemon's own records, read from disk without the daemon: container
 * configs (<root>/containers/<id>/config.v2.json, hostconfig.json), the layer store (overlay2
 * directories), runc's state (/run/docker/runtime-runc/moby/<id>/state.json) and containerd's
 * OCI bundles. Every file is bounded in size; every value is checked for its type. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define ONDISK_DOCKER_ROOT "/var/lib/docker"
#define ONDISK_RUNC_ROOT "/run/docker/runtime-runc/moby"

/* The daemon's data root: the one set (--data-root), else "data-root" of /etc/docker/daemon.json,
 * else /var/lib/docker. Every file here is read through rootfs_host_* (sources/rootfs.h): inside
 * the image root when one is set (--root), so a path is the one the host had. */
char *ondisk_docker_root(void);
void ondisk_set_docker_root(const char *dir);

/* Ids (64 lowercase hex) of every container directory under <root>/containers, sorted. */
int ondisk_list(const char *root, char ***ret, size_t *ret_n, struct cirt_err *err);
void ondisk_list_free(char **ids, size_t n);

/* Turn the texts of config.v2.json and hostconfig.json (NULL when missing) into the shape of the
 * Engine API's inspect answer (Id, Name, State.Status, Config, HostConfig, NetworkSettings,
 * Mounts, GraphDriver.Name), so the model's own parser reads it. Facts that could not be had are
 * appended to notes (a JSON array of strings). NULL when config is not a container record. */
json_t *ondisk_inspect_parse(const char *config, size_t config_len, const char *hostconfig,
                             size_t hostconfig_len, json_t *notes);

/* Read one container's records under root, and add GraphDriver.Data (upper, merged, work and
 * lower directories) from the layer store and volume paths. */
int ondisk_inspect(const char *root, const char *id, json_t **ret, json_t *notes,
                   struct cirt_err *err);

/* A memo of the image layers' directories shared by the reads of many containers (thread-safe):
 * the containers of one image read its layer chain once. */
struct ondisk_cache;
struct ondisk_cache *ondisk_cache_new(void);
void ondisk_cache_free(struct ondisk_cache *c);
/* ondisk_inspect through the memo (NULL: none); safe to call from several threads at once. */
int ondisk_inspect_cached(const char *root, const char *id, struct ondisk_cache *cache,
                          json_t **ret, json_t *notes, struct cirt_err *err);

/* runc's record of a container's init process: pid and start time (clock ticks after boot, to
 * tell a reused pid apart). false when there is no readable state. */
struct ondisk_runc {
	int pid;
	unsigned long long start;
};
/* runc_root NULL: docker's, then containerd's runc roots. */
bool ondisk_runc_state(const char *runc_root, const char *id, struct ondisk_runc *ret);
bool ondisk_runc_parse(const char *text, size_t len, struct ondisk_runc *ret);

/* The OCI bundle (config.json) containerd keeps for a running container, docker's or its own
 * (k8s.io, default, ... namespaces); NULL when none is found. *ret_path gets where. */
json_t *ondisk_oci_bundle(const char *id, char **ret_path);

/* The image store (<root>/image/<driver>/): an image's id (64 hex) from "name[:tag]", an id or a
 * 12+ hex prefix, through repositories.json. */
int ondisk_image_id(const char *root, const char *driver, const char *ref, char **ret,
                    struct cirt_err *err);
/* The image's config file (imagedb/content/sha256/<id>) as stored; a note when it does not hash
 * to its id (changed on disk). */
int ondisk_image_config(const char *root, const char *driver, const char *image_id, char **ret,
                        size_t *ret_len, json_t *notes, struct cirt_err *err);
/* The image in the shape of the Engine API's image inspect (Id, Config, Created, History in the
 * config's form, GraphDriver.Data UpperDir/LowerDir top first), from the config and the layer
 * store's chain ids. */
int ondisk_image_inspect(const char *root, const char *driver, const char *ref, json_t **ret,
                         json_t *notes, struct cirt_err *err);

/* libnetwork's store (<root>/network/files/local-kv.db, a bbolt file read by sources/boltdb.h):
 * the networks it records, turned into the shape of the Engine API's GET /networks answer (an
 * array of {Name, Id, Created, Scope, Driver, EnableIPv6, IPAM{Driver, Options, Config[{Subnet,
 * IPRange, Gateway, AuxiliaryAddresses}]}, Internal, Attachable, Ingress, ConfigFrom, ConfigOnly,
 * Containers {}, Options, Labels}, sorted by name) so netmap_parse_networks() reads it. The host
 * and null networks are there as the daemon keeps them. Only the store's live tree is read (no
 * records left in freed pages); networks being deleted (inDelete) are left out, as the daemon
 * does. A record that cannot be read, and damaged pages of the file, become notes (strings
 * appended to the notes array); a missing or unreadable file or a file without libnetwork's
 * bucket is an error (CIRT_EXIT_NOTFOUND, CIRT_EXIT_PERM, CIRT_EXIT_BADANSWER). */
#define ONDISK_NETWORK_STORE "network/files/local-kv.db"
int ondisk_networks(const char *docker_root, json_t **ret, json_t *notes, struct cirt_err *err);
/* The same from the store's bytes (what = the name used in messages). */
int ondisk_networks_mem(const void *data, size_t len, const char *what, json_t **ret, json_t *notes,
                        struct cirt_err *err);
/* One record's value (JSON, without libkv's 8-byte index prefix) into the API's shape; NULL (and
 * a note) when it is not a usable network record. */
json_t *ondisk_network_parse(const char *text, size_t len, json_t *notes);
