#include "render.h"

#include "spec.h"
#include "util.h"

const char *cdi_spec_slot_name(int slot) {
        return slot == CDI_SPEC_RENDER ? CDI_RENDER_NAME : gpu_vendor_name((enum gpu_vendor) slot);
}

int cdi_spec_slot_filename(int slot, char **ret) {
        if (slot != CDI_SPEC_RENDER)
                return cdi_spec_filename((enum gpu_vendor) slot, ret);
        return (*ret = strdup("gpucdi-" CDI_RENDER_NAME ".json")) ? 0 : -ENOMEM;
}

/* {"path": "/dev/dri/renderD128"}, with hostPath under a non-default dev root. The engine stats
 * the host node for type and numbers. */
static json_t *render_node(const struct render_gpu *g, const struct probe_roots *roots) {
        json_t *n = json_pack("{s:s}", "path", g->node.path);
        if (!n || !roots->dev || streq(roots->dev, "/dev"))
                return n;
        _cleanup_free_ char *hp = NULL;
        if (path_join(roots->dev, g->node.path + strlen("/dev"), &hp) < 0 ||
            json_object_set_new(n, "hostPath", json_string(hp)) < 0) {
                json_decref(n);
                return NULL;
        }
        return n;
}

static int add_device(json_t *devices, const char *name, json_t *nodes) {
        json_t *d = json_pack("{s:s, s:{s:O}}", "name", name, "containerEdits", "deviceNodes", nodes);
        if (!d || json_array_append_new(devices, d) < 0)
                return -ENOMEM;
        return 0;
}

/* Whether an earlier device took this path_id name (two nodes of one device cannot happen, but a
 * name must never be given twice). */
static bool id_taken(const struct host *h, size_t i) {
        for (size_t k = 0; k < i; k++)
                if (streq(h->render_gpus[k].id, h->render_gpus[i].id))
                        return true;
        return false;
}

int cdi_generate_render_spec(const struct host *h, const struct generate_options *opts, json_t **ret) {
        if (h->n_render_gpus == 0)
                return -ENODEV;
        json_auto_t *devices = json_array(), *all = json_array();
        if (!devices || !all)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_render_gpus; i++) {
                const struct render_gpu *g = &h->render_gpus[i];
                json_auto_t *nodes = json_array();
                json_t *n = render_node(g, opts->roots);
                if (!nodes || !n || json_array_append_new(nodes, n) < 0 || json_array_append(all, n) < 0)
                        return -ENOMEM;
                char idx[32];
                snprintf(idx, sizeof idx, "%zu", i);
                int r = add_device(devices, idx, nodes);
                if (r >= 0 && g->id[0] && !id_taken(h, i))
                        r = add_device(devices, g->id, nodes);
                if (r < 0)
                        return r;
        }
        int r = add_device(devices, "all", all);
        if (r < 0)
                return r;

        json_auto_t *spec = json_pack("{s:s, s:s, s:O}", "cdiVersion", "0.3.0", "kind", CDI_RENDER_KIND,
                                      "devices", devices);
        if (!spec)
                return -ENOMEM;
        const char *need, *reason;
        cdi_spec_min_version(spec, &need, &reason);
        const char *version = need;
        if (opts->cdi_version) {
                if (!cdi_version_known(opts->cdi_version)) {
                        log_error("--cdi-version %s is not a CDI version this tool knows", opts->cdi_version);
                        return -EINVAL;
                }
                if (cdi_version_compare(opts->cdi_version, need) < 0) {
                        log_error("--cdi-version %s cannot carry the %s spec: %s needs %s; drop --cdi-version",
                                  opts->cdi_version, CDI_RENDER_KIND, reason ? reason : "its content", need);
                        return -EINVAL;
                }
                version = opts->cdi_version;
        }
        if (json_object_set_new(spec, "cdiVersion", json_string(version)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(spec);
        return 0;
}
