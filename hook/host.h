/* Facts about the host the rules compare a container against, read lazily and at most once:
 * dynamic device majors (<proc>/devices), the running NVIDIA driver version, live device nodes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct host_major {
        char type;            /* 'c' or 'b' */
        int major;
        char name[48];
};

struct hook_host {
        const char *proc_root;   /* default "/proc" */
        const char *dev_root;    /* default "/dev" */

        bool majors_loaded;
        struct host_major *majors;
        size_t n_majors;

        bool misc_loaded;
        struct host_major *misc;  /* <proc>/misc: minor and name of each misc (major 10) device */
        size_t n_misc;

        bool version_loaded;
        char *driver_version;    /* NULL when no NVIDIA module is loaded */

        bool unified_loaded;
        bool unified;            /* /sys/fs/cgroup is cgroup2 where the hook (and runc) runs */
};

void host_init(struct hook_host *h, const char *proc_root, const char *dev_root);
void host_done(struct hook_host *h);

/* Name of a char/block major in <proc>/devices ("nvidia-uvm"), or NULL. Unreadable files count as
 * empty: a missing driver is not an error here. */
const char *host_major_name(struct hook_host *h, char type, int64_t major);
/* Whether <proc>/devices lists this major under this name (195 is "nvidia", "nvidiactl" and
 * "nvidia-modeset" at once). */
bool host_major_is(struct hook_host *h, char type, int64_t major, const char *name);
/* Whether any major in <proc>/devices is registered under this name. */
bool host_has_major_named(struct hook_host *h, char type, const char *name);

/* Name of a misc (char major 10) minor in <proc>/misc ("userfaultfd"), or NULL: most misc minors
 * are dynamic, so a number alone does not say which device it is. */
const char *host_misc_name(struct hook_host *h, int64_t minor);

/* Whether the mount at /sys/fs/cgroup in <proc>/self/mountinfo is cgroup2: a unified host, where
 * runc mounts cgroup2 for a "cgroup" mount as well. False when it cannot be told. */
bool host_cgroup_unified(struct hook_host *h);

/* Version of the running NVIDIA kernel module ("580.159.04"), or NULL. */
const char *host_driver_version(struct hook_host *h);

/* Type ('c'/'b') and number of a host device node, -ENODEV when the path is no device node (a
 * regular file, a symlink). A path under /dev is looked up under the
 * dev root; any other path (a CDI hostPath on a fake host) as it is. */
int host_stat_node(const struct hook_host *h, const char *path, char *ret_type, dev_t *ret_rdev);

/* Whether a namespace file (e.g. /proc/123/ns/net) is the host's, i.e. the hook's own; true when
 * it cannot be told. */
bool host_ns_is_hosts(const char *proc_name, const char *path);

/* Whether the container's user namespace can hold the host's root: an ID mapping of the config or,
 * for a namespace joined by path (/proc/PID/ns/user), that process's map covers the uid or gid that
 * is root outside the hook's own namespace. true when it cannot be told. */
struct oci_config;
bool host_userns_maps_root(const struct oci_config *c);

/* Whether the mount table of process pid (<proc>/PID/mountinfo) has a GPU node or a devtmpfs
 * mounted: ret_reason says which, or stays NULL. -errno when it cannot be read. */
int host_gpu_in_mountinfo(struct hook_host *h, int64_t pid, const char **ret_reason);

/* Lexically normalise an absolute path: collapse "//", drop "." and trailing "/", resolve "..",
 * map /var/run to /run. Writes into a new string. */
int host_path_normalize(const char *path, char **ret);
/* The path a bind mount of `path` would really mount (symlinks followed), normalised; -errno if it
 * does not exist. */
int host_path_resolve(const char *path, char **ret);
