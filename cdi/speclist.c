/* What podman would read from the spec directories: every *.json and *.yaml spec, each device with the
 * file it comes from, and clashes between files (cdi_list_full, cdi_warn_clashes). */
#include "specdir.h"

#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>

#include "cdiyaml.h"
#include "util.h"
#include "validate.h"

struct entry {
        char *fqn;         /* "vendor.com/class=name" */
        const char *path;  /* owned by the list's paths */
        size_t prio;       /* index of the directory: later overrides earlier */
};

struct list {
        struct entry *entries;
        size_t n, cap;
        char **paths;
        size_t n_paths, cap_paths;
};

static void list_free(struct list *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->entries[i].fqn);
        free(l->entries);
        for (size_t i = 0; i < l->n_paths; i++)
                free(l->paths[i]);
        free(l->paths);
}

/* Room for one more element: returns the (possibly moved) array, or NULL with the old one intact. */
static void *grow(void *array, size_t *cap, size_t n, size_t size) {
        if (n < *cap)
                return array;
        size_t ncap = *cap ? *cap * 2 : 16;
        void *p = reallocarray(array, ncap, size);
        if (p)
                *cap = ncap;
        return p;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int entry_cmp(const void *a, const void *b) {
        const struct entry *x = a, *y = b;
        int r = strcmp(x->fqn, y->fqn);
        if (r != 0)
                return r;
        return (x->prio > y->prio) - (x->prio < y->prio);
}

/* Adds the devices of one spec file; invalid specs are skipped with a warning, as podman skips them. */
static int list_add_spec(struct list *l, char *path, size_t prio) {
        char **paths = grow(l->paths, &l->cap_paths, l->n_paths, sizeof *l->paths);
        if (!paths) {
                free(path);
                return -ENOMEM;
        }
        l->paths = paths;
        l->paths[l->n_paths++] = path;

        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_file(path, CDI_SPEC_SIZE_MAX, &text, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_warning("%s: skipped: cannot read it: %s", path, strerror(-r));
                return 0;
        }
        json_auto_t *spec = NULL;
        char err[256];
        r = cdi_spec_load(path, text, size, &spec, err, sizeof err);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || cdi_validate_json(spec, path, NULL) > 0) {
                log_warning("%s: skipped: not a valid CDI spec, podman ignores it too (run 'gpucdi validate %s')",
                            path, path);
                return 0;
        }
        const char *kind = json_string_value(json_object_get(spec, "kind"));
        size_t i;
        const json_t *d;
        const json_t *devices = json_object_get(spec, "devices");
        json_array_foreach(devices, i, d) {
                struct entry *entries = grow(l->entries, &l->cap, l->n, sizeof *l->entries);
                if (!entries)
                        return -ENOMEM;
                l->entries = entries;
                char *fqn;
                if (asprintf(&fqn, "%s=%s", kind, json_string_value(json_object_get(d, "name"))) < 0)
                        return -ENOMEM;
                l->entries[l->n++] = (struct entry) { fqn, path, prio };
        }
        return 0;
}

static int list_add_file(struct list *l, const char *dir, const char *name, size_t prio) {
        char *path;
        if (path_join(dir, name, &path) < 0)
                return -ENOMEM;
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
                free(path); /* a dangling link or a directory: podman fails to read it and moves on */
                return 0;
        }
        return list_add_spec(l, path, prio);
}

static int list_add_dir(struct list *l, const char *dir, size_t prio) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d) {
                /* podman silently skips spec directories that do not exist. */
                if (errno != ENOENT && errno != ENOTDIR)
                        log_warning("%s: skipped: cannot read the spec directory: %m", dir);
                return 0;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (cdi_spec_format_of_name(de->d_name) == CDI_SPEC_NONE)
                        continue;
                char **more = grow(names, &cap, n, sizeof *names);
                if (!more) {
                        r = -ENOMEM;
                        break;
                }
                names = more;
                if (!(names[n] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (n > 0)
                qsort(names, n, sizeof *names, strcmp_ptr);

        for (size_t i = 0; i < n; i++) {
                if (r >= 0)
                        r = list_add_file(l, dir, names[i], prio);
                free(names[i]);
        }
        free(names);
        return r;
}

/* /var/run/cdi and /run/cdi are one directory on current systems: read it once, at its first place. */
static bool same_dir_as_earlier(const char *const *dirs, size_t p) {
        struct stat st, o;
        if (stat(dirs[p], &st) < 0)
                return false;
        for (size_t q = 0; q < p; q++)
                if (stat(dirs[q], &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino)
                        return true;
        return false;
}

static int list_load(struct list *l, const char *const *dirs) {
        for (size_t p = 0; dirs[p]; p++) {
                if (same_dir_as_earlier(dirs, p))
                        continue;
                int r = list_add_dir(l, dirs[p], p);
                if (r < 0)
                        return log_error_errno(r, "Cannot list CDI devices: %m");
        }
        if (l->n > 0)
                qsort(l->entries, l->n, sizeof *l->entries, entry_cmp);
        return 0;
}

/* Entries [i, j) define one name, by priority. Same priority: podman refuses the name (conflict);
 * otherwise the last one is used and the others are overridden. */
static size_t group_end(const struct list *l, size_t i, bool *ret_conflict) {
        size_t j = i + 1;
        bool conflict = false;
        for (; j < l->n && streq(l->entries[j].fqn, l->entries[i].fqn); j++)
                if (l->entries[j].prio == l->entries[j - 1].prio)
                        conflict = true;
        *ret_conflict = conflict && l->entries[j - 1].prio == l->entries[j - 2].prio;
        return j;
}

static int list_json(const struct list *l, FILE *out) {
        json_auto_t *a = json_array();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < l->n;) {
                bool conflict;
                size_t j = group_end(l, i, &conflict);
                for (size_t k = i; k < j; k++) {
                        const struct entry *e = &l->entries[k];
                        bool used = k == j - 1 || (conflict && e->prio == l->entries[j - 1].prio);
                        const char *status = !used ? "overridden" : conflict ? "conflict" : "used";
                        if (json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", e->fqn, "file", e->path,
                                                               "status", status)) < 0)
                                return -ENOMEM;
                }
                i = j;
        }
        char *text = json_dumps(a, JSON_INDENT(2));
        if (!text)
                return -ENOMEM;
        fprintf(out, "%s\n", text);
        free(text);
        return 0;
}

int cdi_list_full(const char *const *dirs, unsigned flags, FILE *out) {
        _cleanup_(list_free) struct list l = {};
        int r = list_load(&l, dirs);
        if (r < 0)
                return r;
        if (flags & CDI_LIST_JSON)
                return list_json(&l, out);

        for (size_t i = 0; i < l.n;) {
                bool conflict;
                size_t j = group_end(&l, i, &conflict);
                for (size_t k = i + 1; k < j; k++)
                        if (l.entries[k].prio == l.entries[k - 1].prio)
                                log_warning("%s: defined by both %s and %s: podman refuses to use it until one "
                                            "is removed", l.entries[k].fqn, l.entries[k - 1].path, l.entries[k].path);
                /* Sorted by priority: the last of the group is the one podman uses. */
                const struct entry *e = &l.entries[j - 1];
                if (!conflict) {
                        if (flags & CDI_LIST_SOURCES)
                                fprintf(out, "%s\t%s\n", e->fqn, e->path);
                        else
                                fprintf(out, "%s\n", e->fqn);
                }
                i = j;
        }
        return 0;
}

int cdi_warn_clashes(const char *const *dirs, const char *own_dir, const char *own_name, const json_t *spec) {
        _cleanup_(list_free) struct list l = {};
        int r = list_load(&l, dirs);
        if (r < 0)
                return r;
        _cleanup_free_ char *own = NULL;
        struct stat own_st;
        if (path_join(own_dir, own_name, &own) < 0)
                return -ENOMEM;
        bool own_exists = stat(own, &own_st) == 0;
        const char *kind = json_string_value(json_object_get(spec, "kind"));
        _cleanup_free_ const char **warned = calloc(l.n_paths + 1, sizeof *warned);
        size_t i, n = 0;
        const json_t *d;
        if (!warned)
                return -ENOMEM;
        json_array_foreach(json_object_get(spec, "devices"), i, d) {
                _cleanup_free_ char *fqn = strprintf("%s=%s", kind, json_string_value(json_object_get(d, "name")));
                if (!fqn)
                        return -ENOMEM;
                for (size_t k = 0; k < l.n; k++) {
                        const struct entry *e = &l.entries[k];
                        struct stat st;
                        if (!streq(e->fqn, fqn) || streq(e->path, own) ||
                            (own_exists && stat(e->path, &st) == 0 && st.st_dev == own_st.st_dev && st.st_ino == own_st.st_ino))
                                continue;
                        /* One warning per file is enough to act on. */
                        bool seen = false;
                        for (size_t q = 0; q < n; q++)
                                seen |= warned[q] == e->path;
                        if (seen)
                                continue;
                        bool nvidia_ctk = endswith(e->path, "/nvidia.yaml") || endswith(e->path, "/nvidia.json");
                        log_warning("%s also defines %s: podman refuses a device that two spec files of one directory "
                                    "define, and uses only the one in /var/run/cdi when the other is in /etc/cdi. Remove "
                                    "%s%s", e->path, fqn, e->path,
                                    nvidia_ctk ? " and stop NVIDIA's toolkit from writing it again (systemctl disable "
                                                 "--now nvidia-cdi-refresh.path nvidia-cdi-refresh.service)" : "");
                        warned[n++] = e->path;
                }
        }
        return (int) n;
}

int cdi_list(const char *const *dirs, FILE *out) {
        return cdi_list_full(dirs, 0, out);
}
