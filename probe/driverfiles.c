/* Finds the files of driverfiles-table.c: libraries by reading each driver root's lib dirs once and
 * the host's ld.so.cache once; binaries and manifests at their few possible paths. Every hit is
 * resolved to its real file, which must be a regular file owned by root and writable by nobody else:
 * it will be bind-mounted into containers. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "driverfiles.h"
#include "ldcache.h"
#include "nvversion.h"
#include "probe-internal.h"
#include "util.h"

const char *driver_file_kind_name(enum driver_file_kind k) {
        static const char *const names[_DRIVER_FILE_KIND_MAX] = {
                [DRIVER_FILE_LIBRARY] = "library",
                [DRIVER_FILE_BINARY] = "binary",
                [DRIVER_FILE_VULKAN_ICD] = "vulkan-icd",
                [DRIVER_FILE_VULKAN_LAYER] = "vulkan-layer",
                [DRIVER_FILE_EGL_VENDOR] = "egl-vendor",
        };
        return (unsigned) k < _DRIVER_FILE_KIND_MAX ? names[k] : NULL;
}

/* One driver root: where it is for us, and the root its absolute symlinks are relative to. */
struct search_root {
        char *path;             /* absolute, openable */
        const char *link_root;  /* "/" or the host root, when path lies inside the host root */
};

struct found {
        char *host_path;        /* real file of the running version */
        char *mismatch_path;    /* first real file of another version, for the error */
        char *mismatch_version;
        char *dangling;         /* first link or cache entry leading nowhere, reported only if nothing is found */
};

struct search {
        const char *host_root;  /* normalized: "/" or without trailing slash */
        bool strict;            /* host root is "/": files must be root's */
        const char *version;
        struct search_root *roots;
        size_t n_roots;
        struct found *found;    /* indexed like driver_file_patterns */
        struct stat *dirs_seen; /* lib dirs already read (lib -> lib64 links) */
        size_t n_dirs_seen;
};

/* The host root, or "/" when path is not inside it. */
static const char *link_root_for(const struct search *s, const char *path) {
        if (path_is_root(s->host_root))
                return "/";
        size_t n = strlen(s->host_root);
        if (strncmp(path, s->host_root, n) == 0 && (path[n] == '/' || path[n] == 0))
                return s->host_root;
        return "/";
}

/* Whoever may write a directory above a file can rename the file away and put another in its place:
 * every directory of the real path must be root's and writable by nobody else, unless it is sticky
 * (/tmp, /nix/store), which keeps others from replacing root's entries. Under a test root only the
 * directories inside it are checked; a driver root given outside it is the test's own. */
struct trusted_dir_ctx {
        const struct search *s;
        const char *path;
        size_t skip;
};

static int check_trusted_dir(const char *d, void *userdata) {
        const struct trusted_dir_ctx *c = userdata;
        if (strlen(d) <= c->skip)
                return 1;
        struct stat st;
        if (lstat(d, &st) < 0)
                return log_error_errno(-errno, "Failed to stat %s: %m", d);
        if (st.st_uid != 0 && (c->s->strict || st.st_uid != geteuid()))
                return log_error_errno(-EPERM, "Refusing %s: its directory %s is owned by uid %u, not root, who "
                                       "could replace the file (chown root:root the directory, or reinstall "
                                       "the driver)", c->path, d, (unsigned) st.st_uid);
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
                return log_error_errno(-EPERM, "Refusing %s: its directory %s is writable by group or others "
                                       "(mode %04o), who could replace the file; run chmod go-w on it",
                                       c->path, d, (unsigned) (st.st_mode & 07777));
        return 0;
}

static int check_trusted_dirs(const struct search *s, const char *path) {
        size_t skip = s->strict ? 0 : strlen(s->host_root);
        if (!s->strict && (strncmp(path, s->host_root, skip) != 0 || path[skip] != '/'))
                return 0;
        struct trusted_dir_ctx c = { s, path, skip };
        return path_walk_parents(path, check_trusted_dir, &c);
}

/* Files we bind-mount into containers must not be replaceable by anyone but root. In a fake tree
 * under a test root, the invoking user's files stand in for root's. */
static int check_trusted(const struct search *s, const char *path, const struct stat *st) {
        bool owner_ok = st->st_uid == 0 || (!s->strict && st->st_uid == geteuid());
        if (!owner_ok)
                return log_error_errno(-EPERM, "Refusing %s: owned by uid %u, not root; driver files must be root's "
                                       "(chown root:root it, or reinstall the driver)", path, (unsigned) st->st_uid);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return log_error_errno(-EPERM, "Refusing %s: writable by group or others (mode %04o); run chmod go-w on it",
                                       path, (unsigned) (st->st_mode & 07777));
        return check_trusted_dirs(s, path);
}

/* "libcuda.so.580.159.04" with stem "libcuda" -> "580.159.04"; NULL if name is not <stem>.so.<rest>. */
static const char *lib_suffix(const char *name, const char *stem) {
        size_t n = strlen(stem);
        if (strncmp(name, stem, n) != 0 || strncmp(name + n, ".so.", 4) != 0 || !name[n + 4])
                return NULL;
        return name + n + 4;
}

static int library_index(const char *name) {
        for (size_t i = 0; i < n_driver_file_patterns; i++)
                if (driver_file_patterns[i].kind == DRIVER_FILE_LIBRARY && lib_suffix(name, driver_file_patterns[i].name))
                        return (int) i;
        return -1;
}

/* A directory entry or cache entry that may name library idx (a file or a link to it): resolve it
 * and record the real file if it is of the running version, or remember it as a mismatch. dir is
 * a resolved directory for relative names, NULL for host paths. */
static int consider_library(struct search *s, size_t idx, const char *link_root, const char *dir, const char *name,
                            const char *what) {
        const struct driver_file_pattern *pat = &driver_file_patterns[idx];
        struct found *f = &s->found[idx];
        _cleanup_free_ char *real = NULL;
        struct stat st;

        int r = path_chase(link_root, dir, name, &real, &st);
        if (r == -ENOENT || r == -ENOTDIR) {
                /* Stale links and cache entries are common and harmless when the library is found elsewhere. */
                if (!f->dangling && asprintf(&f->dangling, "%s %s%s%s", what, dir ? dir : (path_is_root(link_root) ? "" : link_root),
                                             dir ? "/" : "", name) < 0) {
                        f->dangling = NULL;
                        return -ENOMEM;
                }
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to resolve %s%s%s: %m", dir ? dir : "", dir ? "/" : "", name);

        if (!S_ISREG(st.st_mode))
                return 0;
        const char *base = strrchr(real, '/') + 1;
        const char *v = lib_suffix(base, pat->name);
        if (!v || !nvidia_version_valid(v, strlen(v)))
                return 0; /* not a versioned file of this library: nothing tells its version */

        if (!streq(v, s->version)) {
                if (!f->mismatch_path) {
                        f->mismatch_path = TAKE_PTR(real);
                        f->mismatch_version = strdup(v);
                        if (!f->mismatch_version)
                                return -ENOMEM;
                }
                return 0;
        }
        r = check_trusted(s, real, &st);
        if (r < 0)
                return r;
        f->host_path = TAKE_PTR(real);
        return 0;
}

static int is_library_entry(const struct dirent *de) {
        return library_index(de->d_name) >= 0;
}

static int name_compare(const struct dirent **a, const struct dirent **b) {
        return strcmp((*a)->d_name, (*b)->d_name);
}

static bool dir_seen(struct search *s, int fd) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return false;
        for (size_t i = 0; i < s->n_dirs_seen; i++)
                if (s->dirs_seen[i].st_dev == st.st_dev && s->dirs_seen[i].st_ino == st.st_ino)
                        return true;
        struct stat *n = realloc(s->dirs_seen, (s->n_dirs_seen + 1) * sizeof *n);
        if (n) {
                s->dirs_seen = n;
                s->dirs_seen[s->n_dirs_seen++] = st;
        }
        return false;
}

static int scan_lib_dir(struct search *s, const struct search_root *root, const char *subdir) {
        _cleanup_free_ char *link = NULL, *dir = NULL;
        int r = path_join(root->path, subdir, &link);
        if (r < 0)
                return r;
        r = path_chase_abs(root->link_root, link, &dir, NULL);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to resolve %s: %m", link);
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : log_error_errno(-errno, "Failed to open %s: %m", dir);
        if (dir_seen(s, fd)) {
                close(fd);
                return 0;
        }
        /* In name order, not the file system's: the first hit decides which file is mounted (or
         * refused, or named in a message), and that must not differ between two identical hosts. */
        struct dirent **names = NULL;
        int n = scandirat(fd, ".", &names, is_library_entry, name_compare);
        close(fd);
        if (n < 0)
                return log_error_errno(-errno, "Failed to read %s: %m", dir);
        r = 0;
        for (int i = 0; i < n; i++) {
                int idx = library_index(names[i]->d_name);
                if (r >= 0 && !s->found[idx].host_path)
                        r = consider_library(s, (size_t) idx, root->link_root, dir, names[i]->d_name, "the link");
                free(names[i]);
        }
        free(names);
        return r;
}

static int scan_ldcache(struct search *s) {
        _cleanup_free_ char *path = NULL;
        _cleanup_(ldcache_closep) struct ldcache *c = NULL;
        int r = path_join(s->host_root, "etc/ld.so.cache", &path);
        if (r < 0)
                return r;
        r = ldcache_open(path, &c);
        if (r == -ENOENT)
                return 0; /* NixOS and Nix-built roots have none */
        if (r < 0)
                return r;
        for (size_t i = 0; i < ldcache_count(c); i++) {
                const struct ldcache_entry *e = ldcache_entry(c, i);
                if (!ldcache_flags_native(e->flags) || e->value[0] != '/')
                        continue;
                int idx = library_index(e->key);
                if (idx < 0 || s->found[idx].host_path)
                        continue;
                r = consider_library(s, (size_t) idx, s->host_root, NULL, e->value, "the ld.so.cache entry");
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Binaries and manifests: the first existing file at <dir>/<name>, in location order. */
static int find_named_file(struct search *s, size_t idx) {
        const struct driver_file_pattern *pat = &driver_file_patterns[idx];
        for (size_t l = 0; l < n_driver_file_locations; l++) {
                const struct driver_file_location *loc = &driver_file_locations[l];
                if (loc->kind != pat->kind)
                        continue;
                size_t n = loc->host ? 1 : s->n_roots;
                for (size_t k = 0; k < n; k++) {
                        const char *base = loc->host ? s->host_root : s->roots[k].path;
                        const char *link_root = loc->host ? s->host_root : s->roots[k].link_root;
                        _cleanup_free_ char *dir = NULL, *abs = NULL, *real = NULL;
                        int r = path_join(base, loc->subdir, &dir);
                        if (r >= 0)
                                r = path_join(dir, pat->name, &abs);
                        if (r < 0)
                                return r;
                        struct stat st;
                        r = path_chase_abs(link_root, abs, &real, &st);
                        if (r == -ENOENT || r == -ENOTDIR)
                                continue;
                        if (r < 0)
                                return log_error_errno(r, "Failed to resolve %s: %m", abs);
                        if (!S_ISREG(st.st_mode))
                                continue;
                        r = check_trusted(s, real, &st);
                        if (r < 0)
                                return r;
                        s->found[idx].host_path = TAKE_PTR(real);
                        return 0;
                }
        }
        return 0;
}

/* A driver root is often a link itself (NixOS: /run/opengl-driver -> /nix/store/...-graphics-drivers):
 * keep its real directory. */
static int add_root(struct search *s, const char *path, bool must_exist) {
        const char *link_root = link_root_for(s, path);
        _cleanup_free_ char *real = NULL;
        struct stat st;
        int r = path_chase_abs(link_root, path, &real, &st);
        if (r >= 0 && !S_ISDIR(st.st_mode))
                r = -ENOTDIR;
        if (r < 0)
                return must_exist ? log_error_errno(r, "Cannot use driver root %s (--driver-root): %m", path) : 0;
        s->roots[s->n_roots++] = (struct search_root) { .path = TAKE_PTR(real), .link_root = link_root };
        return 0;
}

static char *roots_searched(const struct search *s) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return NULL;
        for (size_t i = 0; i < s->n_roots; i++)
                fprintf(f, "%s, ", s->roots[i].path);
        fprintf(f, "%s%setc/ld.so.cache", path_is_root(s->host_root) ? "" : s->host_root, "/");
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static int file_compare(const void *a, const void *b) {
        const struct driver_file *x = a, *y = b;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return strcmp(x->name, y->name);
}

void driver_files_free(struct driver_files *f) {
        if (!f)
                return;
        for (size_t i = 0; i < f->n_files; i++) {
                free(f->files[i].host_path);
                free(f->files[i].name);
                free(f->files[i].soname);
        }
        free(f->files);
        free(f);
}

static void search_done(struct search *s) {
        for (size_t i = 0; i < s->n_roots; i++)
                free(s->roots[i].path);
        free(s->roots);
        if (s->found)
                for (size_t i = 0; i < n_driver_file_patterns; i++) {
                        free(s->found[i].host_path);
                        free(s->found[i].mismatch_path);
                        free(s->found[i].mismatch_version);
                        free(s->found[i].dangling);
                }
        free(s->found);
        free(s->dirs_seen);
}

/* Turn what was found into the result, or report every missing/mismatched library at once. */
static int collect(struct search *s, struct driver_files **ret) {
        int r = 0;
        size_t n = 0;

        for (size_t i = 0; i < n_driver_file_patterns; i++) {
                const struct driver_file_pattern *pat = &driver_file_patterns[i];
                const struct found *f = &s->found[i];
                if (f->host_path) {
                        n++;
                        continue;
                }
                if (f->mismatch_path) {
                        r = -EPROTO;
                        /* One message per stray version: an upgrade leaves dozens of libraries behind. */
                        bool reported = false;
                        size_t others = 0;
                        for (size_t j = 0; j < n_driver_file_patterns; j++) {
                                const struct found *o = &s->found[j];
                                if (j == i || o->host_path || !o->mismatch_version || !streq(o->mismatch_version, f->mismatch_version))
                                        continue;
                                if (j < i)
                                        reported = true;
                                else
                                        others++;
                        }
                        if (reported)
                                continue;
                        char more[64] = "";
                        if (others > 0)
                                snprintf(more, sizeof more, " and %zu more librar%s", others, others == 1 ? "y" : "ies");
                        log_error("%s%s %s from NVIDIA driver %s but the running kernel module is %s: "
                                  "reboot or reinstall the driver, then run gpucdi generate",
                                  f->mismatch_path, more, others > 0 ? "are" : "is", f->mismatch_version, s->version);
                } else if (pat->required) {
                        _cleanup_free_ char *where = roots_searched(s);
                        log_error("Required NVIDIA library %s.so.%s not found (searched %s%s%s%s); "
                                  "pass the driver's location with --driver-root DIR, or reinstall the driver",
                                  pat->name, s->version, where ?: "the driver roots",
                                  f->dangling ? "; " : "", f->dangling ?: "", f->dangling ? " leads nowhere" : "");
                        if (r == 0)
                                r = -ENOENT;
                } else if (f->dangling)
                        log_warning("%s.so.%s is left out: %s leads nowhere (remove it, or reinstall the driver and run ldconfig)",
                                    pat->name, s->version, f->dangling);
        }
        if (r < 0)
                return r;

        _cleanup_(driver_files_freep) struct driver_files *out = calloc(1, sizeof *out);
        if (!out)
                return -ENOMEM;
        out->files = calloc(n ?: 1, sizeof(struct driver_file));
        if (!out->files)
                return -ENOMEM;
        for (size_t i = 0; i < n_driver_file_patterns; i++) {
                const struct driver_file_pattern *pat = &driver_file_patterns[i];
                struct found *f = &s->found[i];
                if (!f->host_path)
                        continue;
                struct driver_file *df = &out->files[out->n_files++];
                df->kind = pat->kind;
                df->group = pat->group;
                df->required = pat->required;
                df->host_path = TAKE_PTR(f->host_path);
                df->name = strdup(strrchr(df->host_path, '/') + 1);
                if (!df->name)
                        return -ENOMEM;
                if (pat->kind == DRIVER_FILE_LIBRARY && pat->soname_suffix) {
                        if (asprintf(&df->soname, "%s%s", pat->name, pat->soname_suffix) < 0) {
                                df->soname = NULL;
                                return -ENOMEM;
                        }
                } else if (pat->kind == DRIVER_FILE_LIBRARY) {
                        df->soname = strdup(df->name);
                        if (!df->soname)
                                return -ENOMEM;
                }
        }
        qsort(out->files, out->n_files, sizeof(struct driver_file), file_compare);
        *ret = TAKE_PTR(out);
        return 0;
}

int nvidia_driver_files(const struct probe_roots *roots, const char *driver_version, struct driver_files **ret) {
        const char *host_root = roots && !path_is_root(roots->root) ? roots->root : "/";
        _cleanup_free_ char *host_norm = strdup(host_root);
        int r;

        if (!host_norm)
                return -ENOMEM;
        for (size_t n = strlen(host_norm); n > 1 && host_norm[n - 1] == '/'; n--)
                host_norm[n - 1] = 0;
        struct stat st;
        if (stat(host_norm, &st) < 0)
                return log_error_errno(-errno, "Cannot use %s as host root (--host-root): %m", host_norm);
        if (!driver_version || !*driver_version)
                return log_error_errno(-ENOENT, "NVIDIA driver version unknown (no /proc/driver/nvidia/version): "
                                       "is the nvidia kernel module loaded?");

        struct search s = {
                .host_root = host_norm,
                .strict = path_is_root(host_norm),
                .version = driver_version,
        };
        size_t n_user = roots ? roots->n_driver_roots : 0;
        s.roots = calloc(n_user + n_driver_default_roots, sizeof(struct search_root));
        s.found = calloc(n_driver_file_patterns, sizeof(struct found));
        if (!s.roots || !s.found) {
                r = -ENOMEM;
                goto finish;
        }

        if (n_user > 0) {
                for (size_t i = 0; i < n_user; i++) {
                        r = add_root(&s, roots->driver_roots[i], true);
                        if (r < 0)
                                goto finish;
                }
        } else
                for (size_t i = 0; i < n_driver_default_roots; i++) {
                        _cleanup_free_ char *p = NULL;
                        r = path_join(host_norm, driver_default_roots[i], &p);
                        if (r >= 0)
                                r = add_root(&s, p, false);
                        if (r < 0)
                                goto finish;
                }

        /* Libraries: driver roots first (what the user pointed at), then the host's cache. */
        for (size_t k = 0; k < s.n_roots; k++)
                for (size_t l = 0; l < n_driver_file_locations; l++) {
                        if (driver_file_locations[l].kind != DRIVER_FILE_LIBRARY || driver_file_locations[l].host)
                                continue;
                        r = scan_lib_dir(&s, &s.roots[k], driver_file_locations[l].subdir);
                        if (r < 0)
                                goto finish;
                }
        r = scan_ldcache(&s);
        if (r < 0)
                goto finish;

        for (size_t i = 0; i < n_driver_file_patterns; i++) {
                if (driver_file_patterns[i].kind == DRIVER_FILE_LIBRARY)
                        continue;
                r = find_named_file(&s, i);
                if (r < 0)
                        goto finish;
        }

        r = collect(&s, ret);
finish:
        search_done(&s);
        return r;
}
