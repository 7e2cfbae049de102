#include "output.h"

#include <unistd.h>

#include "driverfiles.h"
#include "spec.h"
#include "specdir.h"
#include "util.h"

#define MAX_SPEC_DIRS 32

void cdi_generated_clear(struct cdi_generated *g) {
        for (int v = 0; v < _CDI_SPEC_MAX; v++) {
                json_decref(g->specs[v]);
                g->specs[v] = NULL;
        }
        aux_files_clear(&g->aux);
        g->incomplete = false;
}

bool cdi_request_wants(const struct cdi_request *req, int slot) {
        if (req->slots == 0 || (req->slots & (1u << slot)))
                return true;
        /* IMEX channels come with the NVIDIA spec into a directory; a single spec takes them by name. */
        return slot == CDI_SPEC_IMEX && !req->single && (req->slots & (1u << GPU_VENDOR_NVIDIA));
}

int cdi_request_nvidia_files(const struct cdi_request *req, struct host *h, struct driver_files **ret) {
        const struct probe_roots *roots = req->opts.roots;
        *ret = NULL;
        /* Only GPUs on the nvidia driver need its user space: one passed through to VMs (vfio-pci)
         * while the module is not loaded must not stop the other vendors' specs. */
        bool want = false;
        for (size_t i = 0; i < h->n_gpus; i++)
                if (h->gpus[i].vendor == GPU_VENDOR_NVIDIA && gpu_driver_usable(&h->gpus[i]))
                        want = cdi_request_wants(req, GPU_VENDOR_NVIDIA);
        if (!want)
                return 0;
        if (!h->nv_driver_version[0]) {
                _cleanup_free_ char *p = NULL;
                path_join(roots->proc, "driver/nvidia/version", &p);
                log_error("this host has an NVIDIA GPU but %s is missing: load the nvidia kernel module "
                          "(modprobe nvidia) and run gpucdi generate again", p ? p : "/proc/driver/nvidia/version");
                return -ENOENT;
        }
        _cleanup_(driver_files_freep) struct driver_files *files = NULL;
        int r = nvidia_driver_files(roots, h->nv_driver_version, &files);
        if (r < 0)
                return r;
        /* The module registers the majors, nobody may have made the nodes: do what nvidia-modprobe
         * does, before the spec that names them is written. */
        if (req->create_nodes && geteuid() == 0) {
                size_t created;
                r = nvidia_create_nodes(roots, h, &created);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(files);
        return 0;
}

int cdi_generate_all(const struct cdi_request *req, const struct host *h, const struct driver_files *nvfiles,
                     struct cdi_generated *ret) {
        int r;
        for (int v = 0; v < _GPU_VENDOR_MAX; v++) {
                if (!cdi_request_wants(req, v))
                        continue;
                bool inc = false;
                r = cdi_generate_spec(h, v, v == GPU_VENDOR_NVIDIA ? nvfiles : NULL, &req->opts, &ret->specs[v],
                                      &ret->aux, &inc);
                ret->incomplete |= inc;
                if (r < 0 && r != -ENODEV)
                        return r;
        }
        if (cdi_request_wants(req, CDI_SPEC_RENDER)) {
                r = cdi_generate_render_spec(h, &req->opts, &ret->specs[CDI_SPEC_RENDER]);
                if (r < 0 && r != -ENODEV)
                        return r == -EINVAL || r == -ERANGE || r == -ENOMEM ? r : -EIO;
        }
        /* A single spec without a named slot would get the IMEX spec as a second one: only by name there. */
        if (cdi_request_wants(req, CDI_SPEC_IMEX) && !(req->single && req->slots == 0)) {
                r = cdi_generate_imex_spec(h, &req->opts, &ret->specs[CDI_SPEC_IMEX]);
                if (r < 0 && r != -ENODEV)
                        return r == -EINVAL || r == -ERANGE || r == -ENOMEM ? r : -EIO;
        }
        return 0;
}

/* The directory and name of a file path: "." for a bare name, "/" for one in the root. */
static int split_path(const char *path, char **ret_dir, const char **ret_name) {
        char *dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        *ret_name = slash ? path + (slash - dir) + 1 : path;
        if (!slash)
                strcpy(dir, ".");
        else if (slash == dir)
                dir[1] = 0;
        else
                *slash = 0;
        *ret_dir = dir;
        return 0;
}

void cdi_generated_warn_clashes(const struct cdi_generated *g, const struct cdi_output *out) {
        const char *dirs[MAX_SPEC_DIRS + 4];
        size_t n = 0;
        _cleanup_free_ char *file_dir = NULL;
        const char *file_name = NULL, *out_dir = out->dir;
        if (out->file) {
                if (split_path(out->file, &file_dir, &file_name) < 0)
                        return;
                out_dir = file_dir;
        }
        if (out->spec_dirs)
                for (size_t i = 0; out->spec_dirs[i] && n < MAX_SPEC_DIRS; i++)
                        dirs[n++] = out->spec_dirs[i];
        else {
                for (size_t i = 0; cdi_default_spec_dirs[i]; i++)
                        dirs[n++] = cdi_default_spec_dirs[i];
                if (out_dir)
                        dirs[n++] = out_dir;
        }
        dirs[n] = NULL;
        for (int v = 0; v < _CDI_SPEC_MAX; v++) {
                if (!g->specs[v])
                        continue;
                _cleanup_free_ char *name = NULL;
                const char *own_name = file_name;
                if (out->dir && !out->file && cdi_spec_slot_filename(v, &name) >= 0)
                        own_name = name;
                (void) cdi_warn_clashes(dirs, out_dir ? out_dir : "/nonexistent", own_name ? own_name : "-",
                                        g->specs[v]);
        }
}

int cdi_generated_single(const struct cdi_generated *g, const json_t **ret, size_t *ret_n) {
        const json_t *only = NULL;
        size_t n = 0;
        for (int v = 0; v < _CDI_SPEC_MAX; v++)
                if (g->specs[v]) {
                        only = g->specs[v];
                        n++;
                }
        *ret_n = n;
        if (n == 0)
                return -ENODEV;
        if (n > 1)
                return -ENOTUNIQ;
        *ret = only;
        return 0;
}

int cdi_generated_write_aux(const struct cdi_generated *g, const char *state_dir) {
        const struct aux_files *aux = &g->aux;
        if (aux->n_files == 0)
                return 0;
        /* Released before the spec directory's lock is taken: they may be one directory. */
        _cleanup_close_ int lock = -EBADF;
        int r = cdi_dir_lock(state_dir, &lock);
        for (size_t i = 0; r >= 0 && i < aux->n_files; i++) {
                bool changed;
                r = cdi_spec_write(state_dir, aux->files[i].name, aux->files[i].content, &changed);
        }
        return r < 0 ? r : 0;
}

static int write_file(const struct cdi_generated *g, const char *path, enum cdi_write_outcome *ret_outcome) {
        const json_t *only;
        size_t n;
        int r = cdi_generated_single(g, &only, &n);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = NULL, *dir = NULL;
        const char *name;
        if (cdi_spec_dump(only, &text) < 0 || split_path(path, &dir, &name) < 0)
                return -ENOMEM;
        /* The same lock as a directory's: a concurrent run must not see our temp file as a leftover. */
        _cleanup_close_ int lock = -EBADF;
        r = cdi_dir_lock(dir, &lock);
        if (r < 0)
                return r;
        bool changed;
        r = cdi_spec_write(dir, name, text, &changed);
        if (r < 0)
                return r;
        for (int v = 0; v < _CDI_SPEC_MAX; v++)
                if (g->specs[v] == only)
                        ret_outcome[v] = changed ? CDI_OUTCOME_WRITTEN : CDI_OUTCOME_UNCHANGED;
        return 0;
}

static int write_dir(const struct cdi_generated *g, const struct cdi_request *req, const char *dir,
                     enum cdi_write_outcome outcome[_CDI_SPEC_MAX]) {
        _cleanup_close_ int lock = -EBADF;
        int r = cdi_dir_lock(dir, &lock);
        if (r < 0)
                return r;

        char *texts[_CDI_SPEC_MAX] = {};
        r = 0;
        for (int v = 0; v < _CDI_SPEC_MAX; v++)
                if (g->specs[v] && cdi_spec_dump(g->specs[v], &texts[v]) < 0)
                        r = -ENOMEM;

        for (int v = 0; r >= 0 && v < _CDI_SPEC_MAX; v++) {
                if (!cdi_request_wants(req, v))
                        continue;
                _cleanup_free_ char *name = NULL;
                if (cdi_spec_slot_filename(v, &name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                bool changed = false;
                if (texts[v]) {
                        r = cdi_spec_write(dir, name, texts[v], &changed);
                        if (r >= 0)
                                outcome[v] = changed ? CDI_OUTCOME_WRITTEN : CDI_OUTCOME_UNCHANGED;
                } else {
                        r = cdi_spec_remove(dir, name, &changed);
                        if (r >= 0 && changed)
                                outcome[v] = CDI_OUTCOME_REMOVED;
                }
        }
        for (int v = 0; v < _CDI_SPEC_MAX; v++)
                free(texts[v]);
        return r < 0 ? r : 0;
}

int cdi_generated_write(const struct cdi_generated *g, const struct cdi_request *req, const struct cdi_output *out,
                        enum cdi_write_outcome ret_outcome[_CDI_SPEC_MAX]) {
        enum cdi_write_outcome outcome[_CDI_SPEC_MAX] = {};
        int r = cdi_generated_write_aux(g, out->state_dir);
        if (r >= 0)
                r = out->file ? write_file(g, out->file, outcome) : write_dir(g, req, out->dir, outcome);
        if (ret_outcome)
                memcpy(ret_outcome, outcome, sizeof outcome);
        return r;
}
