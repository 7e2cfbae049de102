/* A reader for the few CDI spec fields the hook needs (device node paths and mount sources of the
 * requested devices). It is deliberately separate from cdi/: the hook binary must not pull in the
 * generator and its libraries. */
#include "cdispec.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gojson.h"
#include "util.h"

int hook_strv_push(char ***v, size_t *n, const char *s) {
        for (size_t i = 0; i < *n; i++)
                if (streq((*v)[i], s))
                        return 0;
        char **nv = realloc(*v, (*n + 2) * sizeof *nv);
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strdup(s)))
                return -ENOMEM;
        nv[++*n] = NULL;
        return 0;
}

void hook_strv_free(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

struct per_name {
        const char *kind;   /* points into a copy of the request */
        const char *name;
        char *buf;
        char **nodes, **hosts, **mounts;
        size_t n_nodes, n_hosts, n_mounts;
        bool found;
};

/* Append a node (container path, host path) unless its container path is listed already. */
static int push_node(char ***paths, char ***hosts, size_t *n, size_t *n_hosts, const char *path, const char *host) {
        size_t before = *n;
        int r = hook_strv_push(paths, n, path);
        if (r < 0 || *n == before)
                return r;
        char **nv = realloc(*hosts, (*n_hosts + 2) * sizeof *nv);
        if (!nv)
                return -ENOMEM;
        *hosts = nv;
        if (!(nv[*n_hosts] = strdup(host)))
                return -ENOMEM;
        nv[++*n_hosts] = NULL;
        return 0;
}

/* A struct field as Go's encoding/json fills it (podman reads specs with it): keys match ASCII
 * case-insensitively, and of several the last one wins. */
static const struct gj_node *field(const struct gj_node *obj, const char *name) {
        const struct gj_node *last = NULL;
        if (obj && obj->type == GJ_OBJECT)
                for (const struct gj_node *m = obj->child; m; m = m->next)
                        if (gj_key_folds_to(m->key, m->klen, name))
                                last = m;
        return last;
}

static const char *string_field(const struct gj_node *obj, const char *name) {
        const struct gj_node *v = field(obj, name);
        return v && v->type == GJ_STRING ? v->str : NULL;
}

static const struct gj_node *elements(const struct gj_node *array) {
        return array && array->type == GJ_ARRAY ? array->child : NULL;
}

static int add_edits(const struct gj_node *edits, struct per_name *p) {
        int r;
        for (const struct gj_node *e = elements(field(edits, "deviceNodes")); e; e = e->next) {
                const char *path = string_field(e, "path");
                const char *host = string_field(e, "hostPath");
                if (path && (r = push_node(&p->nodes, &p->hosts, &p->n_nodes, &p->n_hosts, path, host ? host : path)) < 0)
                        return r;
        }
        for (const struct gj_node *e = elements(field(edits, "mounts")); e; e = e->next) {
                const char *src = string_field(e, "hostPath");
                if (src && (r = hook_strv_push(&p->mounts, &p->n_mounts, src)) < 0)
                        return r;
        }
        return 0;
}

static int scan_spec(const char *path, struct per_name *req, size_t n) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_(gj_doc_free) struct gj_doc doc = {};
        char err[128];
        size_t len;
        if (read_file(path, CDI_SPEC_SIZE_MAX, &buf, &len) < 0)
                return 0; /* podman skips unreadable specs too; the device then counts as missing */
        int r = gj_parse(buf, len, &doc, err, sizeof err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* likewise a malformed one */
        const struct gj_node *spec = &doc.nodes[0];
        const char *kind = string_field(spec, "kind");
        const struct gj_node *devices = field(spec, "devices");
        r = 0;
        for (size_t k = 0; kind && k < n && r >= 0; k++) {
                if (!streq(req[k].kind, kind))
                        continue;
                for (const struct gj_node *d = elements(devices); d; d = d->next) {
                        const char *name = string_field(d, "name");
                        if (!name || !streq(name, req[k].name))
                                continue;
                        /* A later spec directory overrides an earlier one. */
                        hook_strv_free(req[k].nodes, req[k].n_nodes);
                        hook_strv_free(req[k].hosts, req[k].n_hosts);
                        hook_strv_free(req[k].mounts, req[k].n_mounts);
                        req[k].nodes = req[k].hosts = req[k].mounts = NULL;
                        req[k].n_nodes = req[k].n_hosts = req[k].n_mounts = 0;
                        req[k].found = true;
                        if ((r = add_edits(field(d, "containerEdits"), &req[k])) >= 0)
                                r = add_edits(field(spec, "containerEdits"), &req[k]);
                        break;
                }
        }
        return r;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int scan_dir(const char *dir, struct per_name *req, size_t n) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d)
                return 0;
        char **names = NULL;
        size_t nn = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                /* The spec files podman reads; YAML ones are not gpucdi's. */
                if (cdi_spec_format_of_name(de->d_name) != CDI_SPEC_JSON)
                        continue;
                if ((r = hook_strv_push(&names, &nn, de->d_name)) < 0)
                        break;
        }
        if (r >= 0 && nn > 0)
                qsort(names, nn, sizeof *names, cmp_str);
        for (size_t i = 0; r >= 0 && i < nn; i++) {
                _cleanup_free_ char *path = NULL;
                if ((r = path_join(dir, names[i], &path)) < 0)
                        break;
                r = scan_spec(path, req, n);
        }
        hook_strv_free(names, nn);
        return r;
}

int cdispec_lookup(const char *const *dirs, const char *const *names, size_t n_names, struct cdispec_grant *ret) {
        struct per_name *req = calloc(n_names ? n_names : 1, sizeof *req);
        if (!req)
                return -ENOMEM;
        struct cdispec_grant g = {};
        size_t n_hosts = 0;
        int r = 0;
        for (size_t k = 0; k < n_names; k++) {
                if (!(req[k].buf = strdup(names[k]))) {
                        r = -ENOMEM;
                        goto out;
                }
                char *eq = strchr(req[k].buf, '=');
                req[k].kind = req[k].buf;
                req[k].name = "";
                if (eq) {
                        *eq = 0;
                        req[k].name = eq + 1;
                }
        }
        for (const char *const *d = dirs; *d && r >= 0; d++)
                r = scan_dir(*d, req, n_names);
        for (size_t k = 0; k < n_names && r >= 0; k++) {
                if (!req[k].found) {
                        r = hook_strv_push(&g.missing, &g.n_missing, names[k]);
                        continue;
                }
                for (size_t i = 0; i < req[k].n_nodes && r >= 0; i++)
                        r = push_node(&g.node_paths, &g.node_host_paths, &g.n_node_paths, &n_hosts, req[k].nodes[i],
                                      req[k].hosts[i]);
                for (size_t i = 0; i < req[k].n_mounts && r >= 0; i++)
                        r = hook_strv_push(&g.mount_sources, &g.n_mount_sources, req[k].mounts[i]);
        }
out:
        for (size_t k = 0; k < n_names; k++) {
                free(req[k].buf);
                hook_strv_free(req[k].nodes, req[k].n_nodes);
                hook_strv_free(req[k].hosts, req[k].n_hosts);
                hook_strv_free(req[k].mounts, req[k].n_mounts);
        }
        free(req);
        if (r < 0) {
                cdispec_grant_free(&g);
                return r;
        }
        *ret = g;
        return 0;
}

void cdispec_grant_free(struct cdispec_grant *g) {
        hook_strv_free(g->node_paths, g->n_node_paths);
        hook_strv_free(g->node_host_paths, g->n_node_paths);
        hook_strv_free(g->mount_sources, g->n_mount_sources);
        hook_strv_free(g->missing, g->n_missing);
        *g = (struct cdispec_grant) {};
}
