/* Checks of what the mounts and the root filesystem expose: host paths (bind sources, overlay
 * directories, root.path), kernel filesystems, sockets, propagation, and the /proc and /sys files
 * that masked and read-only paths must cover. */
#include "checks.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driverfiles-table.h"
#include "gojson.h"
#include "nvversion.h"
#include "util.h"

/* Whether a mount lands on `where`: runc joins the destination to the rootfs cleaned ("/./sys",
 * "/x/../sys" and "sys" are /sys). */
static bool dest_is(const struct oci_mount *m, const char *where) {
        /* Most destinations are already clean: no copy for those. */
        const char *d = m->destination;
        if (!d)
                return false;
        bool clean = d[0] == '/' && !startswith(d, "/var/run");
        for (const char *s = d; clean && (s = strchr(s, '/')); s++)
                clean = s[1] != '/' && !(s[1] == 0 && s != d) &&
                        !(s[1] == '.' && (s[2] == '/' || s[2] == 0 || (s[2] == '.' && (s[3] == '/' || s[3] == 0))));
        if (clean)
                return streq(d, where);
        _cleanup_free_ char *n = NULL;
        if (host_path_normalize(m->destination, &n) < 0)
                return path_match(where, m->destination, false, false);
        return streq(n, where);
}

/* Container directories where a driver's user-space files are mounted. */
static const char *const driver_destinations[] = { "/run/opengl-driver" };

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

/* A pattern that starts with a "*" component matches any path ending in the rest of it,
 * component-wise ("*" + "/a/b" matches /x/y/a/b); others match the whole path. */
static bool tail_match(const char *pattern, const char *path) {
        if (!startswith(pattern, "*/"))
                return path_match(pattern, path, false, false);
        for (const char *s = path; s; s = strchr(s + 1, '/'))
                if (path_match(pattern + 1, s, false, false))
                        return true;
        return false;
}

/* PATH is DIR or below it, compared literally (the bundle path is no pattern). */
static bool under_literal(const char *dir, const char *path) {
        size_t l = strlen(dir);
        while (l > 0 && dir[l - 1] == '/')
                l--;
        return l > 0 && strncmp(dir, path, l) == 0 && (path[l] == 0 || path[l] == '/');
}

bool engine_rootfs(const char *path, const char *bundle) {
        if (bundle && under_literal(bundle, path))
                return true;
        for (size_t i = 0; i < engine_rootfs_patterns_count; i++)
                if (tail_match(engine_rootfs_patterns[i], path))
                        return true;
        return false;
}

/* The kernel resolves a relative overlay directory from runc's init, whose working directory is the
 * container's root filesystem: the image can link it anywhere, so it is judged as the host's "/". */
static const char *overlay_dir(const char *path) {
        return path[0] == '/' ? path : "/";
}

#define STORAGE_ID_LEN 64
#define IMAGES_MAX (16u * 1024u * 1024u)

/* 1 when the image list <root>/<images> (root-owned, not writable by others, as containers/storage
 * keeps it) names ID as an image's top layer, 0 when not or unreadable, -ENOMEM. */
static int image_top_layer(const char *root, const char *images, const char *id) {
        _cleanup_free_ char *path = strprintf("%s/%s", root, images);
        if (!path)
                return -ENOMEM;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) ||
            (uint64_t) st.st_size > IMAGES_MAX)
                return 0;
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_fd(fd, IMAGES_MAX, &buf, &len);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        _cleanup_(gj_doc_free) struct gj_doc doc = {};
        char err[128];
        r = gj_parse(buf, len, &doc, err, sizeof err);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        bool found = false;
        if (doc.nodes[0].type == GJ_ARRAY)
                for (const struct gj_node *img = doc.nodes[0].child; img && !found; img = img->next)
                        for (const struct gj_node *f = img->type == GJ_OBJECT ? img->child : NULL; f; f = f->next)
                                if (f->type == GJ_STRING && f->len == STORAGE_ID_LEN && streq(f->str, id) &&
                                    gj_key_folds_to(f->key, f->klen, "layer"))
                                        found = true;
        return found;
}

/* 1 when PATH is at or below the mount of an image's top layer in a containers/storage root
 * (<root>/overlay/<64 hex digits>/merged[/...]): the image's own files, what podman
 * --mount type=image gives read-only. A container's layer is never an image's top layer. */
static int image_layer_path(const char *path) {
        for (size_t i = 0; i < image_stores_count; i++) {
                const struct image_store *s = &image_stores[i];
                size_t ll = strlen(s->layers), ml = strlen(s->mount);
                for (const char *c = strchr(path, '/'); c; c = strchr(c + 1, '/')) {
                        if (strncmp(c + 1, s->layers, ll) != 0 || c[1 + ll] != '/')
                                continue;
                        /* only now inside the string: <layers>/ matched */
                        const char *id = c + 1 + ll + 1, *m = id + STORAGE_ID_LEN;
                        if (strspn(id, "0123456789abcdef") != STORAGE_ID_LEN || *m != '/' ||
                            strncmp(m + 1, s->mount, ml) != 0 || (m[1 + ml] && m[1 + ml] != '/'))
                                continue;
                        _cleanup_free_ char *root = strndup(path, c - path), *lid = strndup(id, STORAGE_ID_LEN);
                        if (!root || !lid)
                                return -ENOMEM;
                        int r = image_top_layer(root, s->images, lid);
                        if (r != 0)
                                return r;
                }
        }
        return 0;
}

static int expose(struct eval *e, const char *how, const char *source, const char *destination, bool writable,
                  bool below_writable, const struct oci_mount *m) {
        if (!source || !*source)
                return 0;
        _cleanup_free_ char *joined = NULL;
        if (source[0] != '/') {
                /* runc joins a relative source to the bundle directory, its working directory */
                if (path_join(e->in->bundle ? e->in->bundle : "/", source, &joined) < 0)
                        return -ENOMEM;
                source = joined;
        }
        struct exposure *n = realloc(e->exp, (e->n_exp + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        e->exp = n;
        struct exposure *x = &e->exp[e->n_exp];
        *x = (struct exposure) {
                .how = how, .destination = destination, .writable = writable, .below_writable = below_writable,
                .mount = m,
        };
        if (!(x->source = strdup(source)))
                return -ENOMEM;
        e->n_exp++;
        x->trusted = m && in_strv(e->grant.mount_sources, e->grant.n_mount_sources, source);
        int r = host_path_normalize(source, &x->lex);
        if (r < 0)
                return r;
        r = host_path_resolve(source, &x->res);
        if (r == -ENOMEM)
                return r;
        if (!writable && x->lex && x->res) {
                /* both: a symlink in the image must not lead the mount elsewhere */
                r = image_layer_path(x->lex);
                if (r > 0)
                        r = image_layer_path(x->res);
                if (r < 0)
                        return r;
                x->image = r > 0;
        }
        return 0;
}

int exposures_build(struct eval *e) {
        const struct oci_config *c = e->cfg;
        int r;
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                if (m->bind)
                        r = expose(e, "bind", m->source, m->destination, !m->ro, m->recursive && !m->rro, m);
                else if (mount_is_overlay(m)) {
                        r = 0;
                        for (size_t k = 0; k < m->n_lowerdirs && r >= 0; k++)
                                r = expose(e, "overlay lowerdir", overlay_dir(m->lowerdirs[k]), m->destination, false, false, m);
                        for (size_t k = 0; k < m->n_upperdirs && r >= 0; k++)
                                r = expose(e, "overlay upperdir", overlay_dir(m->upperdirs[k]), m->destination, true, false, m);
                } else
                        continue;
                if (r < 0)
                        return r;
        }
        if (c->root_path) {
                _cleanup_free_ char *root = NULL;
                if (c->root_path[0] != '/' && path_join(e->in->bundle ? e->in->bundle : "/", c->root_path, &root) < 0)
                        return -ENOMEM;
                const char *p = root ? root : c->root_path;
                _cleanup_free_ char *lex = NULL;
                if (host_path_normalize(p, &lex) < 0)
                        return -ENOMEM;
                /* exempt only when what runc would mount (symlinks followed) is the engine's too */
                _cleanup_free_ char *res = NULL, *bundle_res = NULL;
                if (host_path_resolve(p, &res) == -ENOMEM ||
                    (e->in->bundle && host_path_resolve(e->in->bundle, &bundle_res) == -ENOMEM))
                        return -ENOMEM;
                bool engine = engine_rootfs(lex, e->in->bundle) &&
                              (!res || engine_rootfs(res, e->in->bundle) || (bundle_res && engine_rootfs(res, bundle_res)));
                if (!engine)
                        /* runc binds the root recursively; readonly remounts only its top */
                        return expose(e, "root.path", p, "/", !c->root_readonly, true, NULL);
        }
        return 0;
}

void exposures_free(struct eval *e) {
        for (size_t i = 0; i < e->n_exp; i++) {
                free((char *) e->exp[i].source);
                free(e->exp[i].lex);
                free(e->exp[i].res);
        }
        free(e->exp);
}

bool driver_exposure(const struct exposure *x) {
        if (!x->mount || !x->mount->bind)
                return false;
        if (x->trusted)
                return true;
        for (size_t k = 0; k < ELEMENTSOF(driver_destinations); k++)
                if (path_match(driver_destinations[k], x->destination, true, false))
                        return true;
        /* The files the probe's table names: the ones a CDI spec mounts, carrying the driver version. */
        return driver_file_name_known(base_name(x->source));
}

/* A driver version suffix in a file name like libcuda.so.580.159.04. Major >= 100: a library's own
 * version (libnvidia-egl-wayland.so.1.1.13) is not the driver's. */
const char *driver_version_of(const char *name) {
        const char *v = strstr(name, ".so.");
        if (!v)
                return NULL;
        v += 4;
        if (!nvidia_version_valid(v, strlen(v)) || atoi(v) < 100)
                return NULL;
        return v;
}

void check_driver_writable(struct eval *e, size_t self) {
        for (size_t i = 0; i < e->n_exp; i++) {
                const struct exposure *x = &e->exp[i];
                if (driver_exposure(x) && x->writable)
                        add(e, self, "%s mounted writable at %s", x->source, x->destination);
        }
}

/* Every path rule of this id against every exposure. */
void check_paths(struct eval *e, size_t self) {
        const char *last = NULL;  /* the table lists each rule's paths together: one compare a run */
        bool mine = false;
        for (size_t k = 0; k < path_rules_count; k++) {
                const struct path_rule *p = &path_rules[k];
                if (p->rule != last)
                        mine = rule_is(self, last = p->rule);
                if (!mine)
                        continue;
                for (size_t i = 0; i < e->n_exp; i++) {
                        const struct exposure *x = &e->exp[i];
                        if (x->trusted || (p->rw_only && !x->writable) || (p->image_ok && x->image))
                                continue;
                        if (p->match == M_PARENT_RO && (x->writable || !x->below_writable))
                                continue;
                        bool lex = x->lex && path_match_rule(p, x->lex);
                        bool res = !lex && x->res && path_match_rule(p, x->res);
                        if (lex || res)
                                add(e, self, "%s (%s) %s %sat %s%s%s", x->source, p->label,
                                    x->mount ? "mounted" : "as the root filesystem", x->writable ? "writable " : "",
                                    x->destination, res ? ", resolving to " : "", res ? x->res : "");
                }
        }
}

void check_fstypes(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        bool host_cgroupns = host_ns(e, OCI_NS_CGROUP);
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                /* runc remounts what is already there (a read-only /sys made writable): never needed */
                if (m->remount && rule_is(self, FSTYPE_OTHER_RULE)) {
                        add(e, self, "a remount of the mount at %s", m->destination);
                        continue;
                }
                if (!mount_is_kernel_fs(m))
                        continue;
                /* read-only, every type here is judged the same on any host: no mount table read */
                const struct fstype_rule *t = classify_fstype(m->ro ? NULL : e->in->host, m->type);
                const char *rule = t ? t->rule : FSTYPE_OTHER_RULE;
                if (!rule || !rule_is(self, rule))
                        continue;
                if (!t) {
                        add(e, self, "a %s mount at %s (source %s)", m->type ? m->type : "typeless", m->destination,
                            m->source ? m->source : "none");
                        continue;
                }
                bool bad = t->cls == FS_REFUSED || (t->cls == FS_PROC && !dest_is(m, "/proc")) ||
                           (t->cls == FS_RO && !m->ro) || (t->cls == FS_RO_OWN_NS && !m->ro && host_cgroupns);
                if (bad)
                        add(e, self, "%s at %s", t->label, m->destination);
        }
}

static bool harmless_socket(const char *path) {
        for (size_t i = 0; i < harmless_sockets_count; i++)
                if (path_match(harmless_sockets[i], path, true, false))
                        return true;
        return false;
}

/* A socket under /run that no table knows: a system service that may act for the container. The
 * user's own session (/run/user/UID: Wayland, PulseAudio, PipeWire) is the user's to give. */
void check_sockets(struct eval *e, size_t self) {
        for (size_t i = 0; i < e->n_exp; i++) {
                const struct exposure *x = &e->exp[i];
                struct stat st;
                if (x->trusted || !x->res || !path_match("/run", x->res, true, false) ||
                    path_match("/run/user", x->res, true, false) || harmless_socket(x->res))
                        continue;
                if (stat(x->res, &st) < 0 || !S_ISSOCK(st.st_mode))
                        continue;
                bool known = false;
                for (size_t k = 0; k < path_rules_count && !known; k++)
                        known = streq(path_rules[k].rule, "mount-engine-socket") && path_match_rule(&path_rules[k], x->res);
                if (!known)
                        add(e, self, "socket %s mounted at %s", x->res, x->destination);
        }
}

void check_propagation(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        for (size_t i = 0; i < c->n_mounts; i++)
                if (c->mounts[i].shared)
                        add(e, self, "%s mounted at %s with shared propagation",
                            c->mounts[i].source ? c->mounts[i].source : "(none)", c->mounts[i].destination);
        const char *p = c->rootfs_propagation;
        if (p && (streq(p, "shared") || streq(p, "rshared")))
                add(e, self, "linux.rootfsPropagation %s", p);
}

/* Whether the file is reachable at all: /proc files need a proc at /proc, /sys files a sysfs or a
 * bind of the host's /sys at /sys. Returns the mount, for its read-only flag. */
static const struct oci_mount *kernel_fs_at(const struct oci_config *c, const char *path) {
        bool proc = path_match("/proc", path, true, false);
        const struct oci_mount *found = NULL;
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                if (m->remount)
                        continue;  /* changes flags of what is there, replaces nothing */
                if (!dest_is(m, proc ? "/proc" : "/sys"))
                        continue;
                if (m->bind ? (m->source && path_match(proc ? "/proc" : "/sys", m->source, false, false))
                            : (m->type && streq(m->type, proc ? "proc" : "sysfs")))
                        found = m;  /* the last mount at the place is what the container sees */
                else
                        found = NULL;
        }
        return found;
}

/* Where normalised `dir` is `path` or an ancestor of it: the length of `dir` to cut from `path`. */
static bool path_within(const char *dir, const char *path, size_t *ret_len) {
        size_t l = streq(dir, "/") ? 0 : strlen(dir);
        if (strncmp(dir, path, l) != 0 || (path[l] != 0 && path[l] != '/'))
                return false;
        *ret_len = l;
        return true;
}

/* runc masks or remounts the literal path, never a pattern (a "/proc/ *" pattern masks nothing): the path
 * itself or an ancestor, compared normalised. */
static bool covered(const char **list, size_t n, const char *path) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                if (!list[i] || list[i][0] != '/' || host_path_normalize(list[i], &p) < 0)
                        continue;
                size_t l;
                if (path_within(p, path, &l))
                        return true;
        }
        return false;
}

/* A sysfs, or a bind of the host's /sys or a directory in it, anywhere but /sys shows the same
 * files there, where masked paths written for /sys do not reach: /sys/firmware of a sysfs at /sys2
 * is /sys2/firmware. */
static void check_sys_elsewhere(struct eval *e, size_t self, const char *path) {
        const struct oci_config *c = e->cfg;
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                _cleanup_free_ char *dest = NULL, *src = NULL;
                if (m->remount || !m->destination || host_path_normalize(m->destination, &dest) < 0 || streq(dest, "/sys"))
                        continue;
                const char *root;  /* the directory of the host's sysfs the mount shows */
                if (!m->bind && m->type && streq(m->type, "sysfs"))
                        root = "/sys";
                else if (m->bind && m->source && host_path_normalize(m->source, &src) >= 0 &&
                         path_match("/sys", src, true, false))
                        root = src;
                else
                        continue;
                size_t l;
                _cleanup_free_ char *where = NULL;
                if (path_within(root, path, &l)) {
                        if (asprintf(&where, "%s%s", streq(dest, "/") ? "" : dest, path + l) < 0)
                                where = NULL;
                } else if (path_within(path, root, &l))
                        where = strdup(dest);  /* the mount shows a part of the file */
                else
                        continue;
                if (!where)
                        add(e, self, "%s at %s", path, dest);  /* no memory to name it: still refused */
                else if (!covered(c->masked_paths, c->n_masked_paths, where))
                        add(e, self, "%s readable at %s: %s is mounted at %s, where the masks of /sys do not "
                            "reach (--security-opt mask=%s)", path, where, m->bind ? src : "a sysfs", dest, where);
        }
}

static void check_kernel_files(struct eval *e, size_t self, bool read_danger) {
        const struct oci_config *c = e->cfg;
        char buf[512] = "";
        size_t len = 0, n = 0;
        for (size_t i = 0; i < kernel_files_count; i++) {
                const struct kernel_file *f = &kernel_files[i];
                if (f->read_danger != read_danger)
                        continue;
                if (read_danger && path_match("/sys", f->path, true, false))
                        check_sys_elsewhere(e, self, f->path);
                const struct oci_mount *m = kernel_fs_at(c, f->path);
                if (!m || covered(c->masked_paths, c->n_masked_paths, f->path))
                        continue;
                if (!read_danger && (m->ro || covered(c->readonly_paths, c->n_readonly_paths, f->path)))
                        continue;
                n++;
                int k = snprintf(buf + len, sizeof buf - len, "%s%s", len ? " " : "", f->path);
                if (k > 0 && (size_t) k < sizeof buf - len)
                        len += (size_t) k;
        }
        if (n)
                add(e, self, "%s %s (--security-opt unmask=...)", buf,
                    read_danger ? "readable: not masked" : "writable: neither masked nor read-only");
}

void check_masked(struct eval *e, size_t self) {
        check_kernel_files(e, self, true);
}

void check_readonly(struct eval *e, size_t self) {
        check_kernel_files(e, self, false);
}
