#include "host.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "nvversion.h"
#include "oci.h"
#include "util.h"

void host_init(struct hook_host *h, const char *proc_root, const char *dev_root) {
        *h = (struct hook_host) {
                .proc_root = proc_root ? proc_root : "/proc",
                .dev_root = dev_root ? dev_root : "/dev",
        };
}

void host_done(struct hook_host *h) {
        free(h->majors);
        free(h->misc);
        free(h->driver_version);
        h->majors = NULL;
        h->misc = NULL;
        h->driver_version = NULL;
}

static void load_majors(struct hook_host *h) {
        if (h->majors_loaded)
                return;
        h->majors_loaded = true;
        _cleanup_free_ char *path = NULL, *buf = NULL;
        if (path_join(h->proc_root, "devices", &path) < 0 || read_file(path, 64 * 1024, &buf, NULL) < 0)
                return;
        size_t cap = 0;
        char type = 0;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (startswith(line, "Character devices:")) {
                        type = 'c';
                        continue;
                }
                if (startswith(line, "Block devices:")) {
                        type = 'b';
                        continue;
                }
                int major;
                char name[48];
                if (!type || sscanf(line, " %d %47s", &major, name) != 2 || major < 0)
                        continue;
                if (h->n_majors == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct host_major *n = realloc(h->majors, ncap * sizeof *n);
                        if (!n)
                                return;
                        h->majors = n;
                        cap = ncap;
                }
                struct host_major *m = &h->majors[h->n_majors++];
                m->type = type;
                m->major = major;
                snprintf(m->name, sizeof m->name, "%s", name);
        }
}

const char *host_major_name(struct hook_host *h, char type, int64_t major) {
        load_majors(h);
        for (size_t i = 0; i < h->n_majors; i++)
                if (h->majors[i].type == type && h->majors[i].major == major)
                        return h->majors[i].name;
        return NULL;
}

bool host_major_is(struct hook_host *h, char type, int64_t major, const char *name) {
        load_majors(h);
        for (size_t i = 0; i < h->n_majors; i++)
                if (h->majors[i].type == type && h->majors[i].major == major && streq(h->majors[i].name, name))
                        return true;
        return false;
}

bool host_has_major_named(struct hook_host *h, char type, const char *name) {
        load_majors(h);
        for (size_t i = 0; i < h->n_majors; i++)
                if (h->majors[i].type == type && streq(h->majors[i].name, name))
                        return true;
        return false;
}

static void load_misc(struct hook_host *h) {
        if (h->misc_loaded)
                return;
        h->misc_loaded = true;
        _cleanup_free_ char *path = NULL, *buf = NULL;
        if (path_join(h->proc_root, "misc", &path) < 0 || read_file(path, 64 * 1024, &buf, NULL) < 0)
                return;
        size_t cap = 0;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                int minor;
                char name[48];
                if (sscanf(line, " %d %47s", &minor, name) != 2 || minor < 0)
                        continue;
                if (h->n_misc == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        struct host_major *n = realloc(h->misc, ncap * sizeof *n);
                        if (!n)
                                return;
                        h->misc = n;
                        cap = ncap;
                }
                struct host_major *m = &h->misc[h->n_misc++];
                m->type = 'c';
                m->major = minor;
                snprintf(m->name, sizeof m->name, "%s", name);
        }
}

const char *host_misc_name(struct hook_host *h, int64_t minor) {
        load_misc(h);
        for (size_t i = 0; i < h->n_misc; i++)
                if (h->misc[i].major == minor)
                        return h->misc[i].name;
        return NULL;
}

const char *host_driver_version(struct hook_host *h) {
        if (h->version_loaded)
                return h->driver_version;
        h->version_loaded = true;
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t size;
        if (path_join(h->proc_root, "driver/nvidia/version", &path) < 0 ||
            read_file(path, 64 * 1024, &buf, &size) < 0)
                return NULL;
        const char *v;
        size_t n;
        if (nvidia_version_find(buf, size, &v, &n) == 0)
                h->driver_version = strndup(v, n);
        return h->driver_version;
}

int host_stat_node(const struct hook_host *h, const char *node, char *ret_type, dev_t *ret_rdev) {
        _cleanup_free_ char *path = NULL;
        if (startswith(node, "/dev/") ? path_join(h->dev_root, node + 5, &path) < 0 : !(path = strdup(node)))
                return -ENOMEM;
        struct stat st;
        /* Not followed: a symlink is not a node to the engines either (gpucdi generate agrees). */
        if (lstat(path, &st) < 0)
                return -errno;
        if (S_ISCHR(st.st_mode))
                *ret_type = 'c';
        else if (S_ISBLK(st.st_mode))
                *ret_type = 'b';
        else
                return -ENODEV;
        *ret_rdev = st.st_rdev;
        return 0;
}

bool host_ns_is_hosts(const char *proc_name, const char *path) {
        /* A prestart hook runs in the runtime's namespaces, which are the host's. runc's init opens
         * a relative path from the container's root filesystem, where the image may link it to any
         * namespace, while this process would look from "/": judged as the host's. */
        if (path[0] != '/')
                return true;
        char self[64];
        snprintf(self, sizeof self, "/proc/self/ns/%s", proc_name);
        struct stat a, b;
        if (stat(self, &a) < 0 || stat(path, &b) < 0)
                return true;  /* cannot tell: assume the worst */
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Lines "inside outside count" of a uid_map or gid_map: the inside ID that is the outside's root, or
 * (holds >= 0) whether an outside range holds that ID. */
static int64_t map_scan(const char *text, int64_t holds) {
        long long in, out, n;
        for (const char *p = text; p && sscanf(p, "%lld %lld %lld", &in, &out, &n) == 3; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (holds < 0 && out <= 0 && 0 < out + n)
                        return in - out;
                else if (holds >= 0 && out <= holds && holds < out + n)
                        return 1;
        return -1;
}

bool host_userns_maps_root(const struct oci_config *c) {
        static const char *const maps[2] = { "uid_map", "gid_map" };
        const char *ns = c->ns_path[OCI_NS_USER];
        for (size_t g = 0; g < 2; g++) {
                _cleanup_free_ char *self = NULL, *other = NULL;
                char path[64];
                snprintf(path, sizeof path, "/proc/self/%s", maps[g]);
                /* without user namespaces this is the initial one, whose root is 0; rootless, no
                 * ID of the hook's namespace is the host's root */
                int64_t root = read_file(path, 64 * 1024, &self, NULL) < 0 ? 0 : map_scan(self, -1);
                if (root < 0)
                        continue;
                if (ns) {
                        unsigned pid;
                        int end = -1;
                        if (sscanf(ns, "/proc/%u/ns/user%n", &pid, &end) < 1 || end < 0 || ns[end])
                                return true;
                        snprintf(path, sizeof path, "/proc/%u/%s", pid, maps[g]);
                        if (read_file(path, 64 * 1024, &other, NULL) < 0 || map_scan(other, root) > 0)
                                return true;
                        continue;
                }
                for (size_t i = 0; i < c->n_idmaps; i++)
                        if (c->idmaps[i].gid == (g == 1) && c->idmaps[i].host <= root &&
                            root < c->idmaps[i].host + c->idmaps[i].size)
                                return true;
        }
        return false;
}

int host_path_normalize(const char *path, char **ret) {
        size_t n = strlen(path);
        _cleanup_free_ char *out = malloc(n + 2);
        if (!out)
                return -ENOMEM;
        size_t len = 0;
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *e = strchrnul(p, '/');
                size_t cl = (size_t) (e - p);
                if (cl == 0 || (cl == 1 && p[0] == '.')) {
                        /* nothing */
                } else if (cl == 2 && p[0] == '.' && p[1] == '.') {
                        while (len > 0 && out[len - 1] != '/')
                                len--;
                        if (len > 0)
                                len--;
                } else {
                        out[len++] = '/';
                        memcpy(out + len, p, cl);
                        len += cl;
                }
                p = e;
        }
        if (len == 0)
                out[len++] = '/';
        out[len] = 0;
        /* /var/run is a symlink to /run on every current distribution. */
        if (streq(out, "/var/run") || startswith(out, "/var/run/")) {
                /* A fresh copy, not memmove(): valgrind mistakes fortified
                 * memmove for memcpy and reports the overlap. */
                char *s = strdup(out + strlen("/var"));
                if (!s)
                        return -ENOMEM;
                free(out);
                out = s;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int host_path_resolve(const char *path, char **ret) {
        _cleanup_free_ char *real = realpath(path, NULL);
        if (!real)
                return -errno;
        return host_path_normalize(real, ret);
}

bool host_cgroup_unified(struct hook_host *h) {
        if (h->unified_loaded)
                return h->unified;
        h->unified_loaded = true;
        _cleanup_free_ char *path = NULL, *buf = NULL;
        if (path_join(h->proc_root, "self/mountinfo", &path) < 0 ||
            read_file(path, 16u * 1024u * 1024u, &buf, NULL) < 0)
                return false;
        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS] - FSTYPE SOURCE SUPER"; the last mount
         * at a point is the one on top. */
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char point[4096], fstype[64] = "", *dash = strstr(line, " - ");
                if (sscanf(line, "%*u %*u %*u:%*u %*s %4095s", point) != 1 || !streq(point, "/sys/fs/cgroup"))
                        continue;
                if (dash)
                        sscanf(dash + 3, "%63s", fstype);
                h->unified = streq(fstype, "cgroup2");
        }
        return h->unified;
}

int host_gpu_in_mountinfo(struct hook_host *h, int64_t pid, const char **ret_reason) {
        char rel[64];
        _cleanup_free_ char *path = NULL, *buf = NULL;
        snprintf(rel, sizeof rel, "%jd/mountinfo", (intmax_t) pid);
        if (path_join(h->proc_root, rel, &path) < 0)
                return -ENOMEM;
        int r = read_file(path, 16u * 1024u * 1024u, &buf, NULL);
        if (r < 0)
                return r;
        *ret_reason = NULL;
        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS] - FSTYPE SOURCE SUPER" */
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char root[4096], point[4096], *dash = strstr(line, " - ");
                if (sscanf(line, "%*u %*u %*u:%*u %4095s %4095s", root, point) != 2)
                        continue;
                char fstype[64] = "";
                if (dash)
                        sscanf(dash + 3, "%63s", fstype);
                /* A bind of nodes from the host's devtmpfs: the root field names them. */
                if (streq(fstype, "devtmpfs")) {
                        if (streq(root, "/")) {
                                *ret_reason = "it mounts the host's /dev";
                                return 0;
                        }
                        if (startswith(root, "/nvidia") || startswith(root, "/dri") || streq(root, "/kfd")) {
                                *ret_reason = "it mounts a GPU device node";
                                return 0;
                        }
                }
                const char *base = strrchr(point, '/');
                if (base && (startswith(base, "/nvidia") || streq(base, "/kfd") || strstr(point, "/dev/dri")) &&
                    strstr(point, "/dev/")) {
                        *ret_reason = "it mounts a GPU device node";
                        return 0;
                }
        }
        return 0;
}
