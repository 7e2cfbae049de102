#include "render.h"

#include "spec.h"
#include "util.h"

const char *cdi_spec_slot_name(int slot) {
        return slot == CDI_SPEC_RENDER ? CDI_RENDER_NAME :
               slot == CDI_SPEC_IMEX ? CDI_IMEX_NAME : gpu_vendor_name((enum gpu_vendor) slot);
}

int cdi_spec_slot_filename(int slot, char **ret) {
        if (slot < _GPU_VENDOR_MAX)
                return cdi_spec_filename((enum gpu_vendor) slot, ret);
        char *p = strprintf("gpucdi-%s.json", cdi_spec_slot_name(slot));
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* {"path": "/dev/dri/renderD128"}, with hostPath under a non-default dev root. The engine stats
 * the host node for type and numbers. */
static json_t *node_json(const struct devnode *node, const struct probe_roots *roots) {
        json_t *n = json_pack("{s:s}", "path", node->path);
        if (!n || !roots->dev || streq(roots->dev, "/dev"))
                return n;
        _cleanup_free_ char *hp = NULL;
        if (path_join(roots->dev, node->path + strlen("/dev"), &hp) < 0 ||
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

/* One device of a node-only kind: its node, its name and an optional second name. */
struct node_device {
        const struct devnode *node;
        char name[32];
        const char *alias;      /* NULL or "" for none */
};

/* A spec of kind whose devices each give one node, plus "all", at the lowest cdiVersion its
 * content needs (or the forced one, if it can carry it). */
static int node_list_spec(const char *kind, const struct node_device *d, size_t n, const struct generate_options *opts,
                          json_t **ret) {
        json_auto_t *devices = json_array(), *all = json_array();
        if (!devices || !all)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_auto_t *nodes = json_array();
                json_t *node = node_json(d[i].node, opts->roots);
                if (!nodes || !node || json_array_append_new(nodes, node) < 0 || json_array_append(all, node) < 0)
                        return -ENOMEM;
                int r = add_device(devices, d[i].name, nodes);
                if (r >= 0 && d[i].alias && d[i].alias[0])
                        r = add_device(devices, d[i].alias, nodes);
                if (r < 0)
                        return r;
        }
        int r = add_device(devices, "all", all);
        if (r < 0)
                return r;

        json_auto_t *spec = json_pack("{s:s, s:s, s:O}", "cdiVersion", "0.3.0", "kind", kind, "devices", devices);
        if (!spec)
                return -ENOMEM;
        r = cdi_spec_set_version(spec, kind, opts->cdi_version);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(spec);
        return 0;
}

int cdi_generate_render_spec(const struct host *h, const struct generate_options *opts, json_t **ret) {
        if (h->n_render_gpus == 0)
                return -ENODEV;
        _cleanup_free_ struct node_device *d = calloc(h->n_render_gpus, sizeof *d);
        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_render_gpus; i++) {
                d[i].node = &h->render_gpus[i].node;
                snprintf(d[i].name, sizeof d[i].name, "%zu", i);
                /* A path_id name is given once, to the first node that has it. */
                d[i].alias = h->render_gpus[i].id;
                for (size_t k = 0; k < i; k++)
                        if (streq(h->render_gpus[k].id, h->render_gpus[i].id))
                                d[i].alias = NULL;
        }
        return node_list_spec(CDI_RENDER_KIND, d, h->n_render_gpus, opts, ret);
}

int cdi_generate_imex_spec(const struct host *h, const struct generate_options *opts, json_t **ret) {
        _cleanup_free_ struct node_device *d = calloc(h->n_imex_channels + 1, sizeof *d);
        if (!d)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < h->n_imex_channels; i++) {
                const struct devnode *node = &h->imex_channels[i];
                const char *num = strrchr(node->path, '/');
                /* Only nodes checked against the kernel's numbers: a spec naming a missing one makes
                 * podman fail every container that asks for it. */
                if (node->state != DEVNODE_OK || !num || !startswith(num + 1, "channel"))
                        continue;
                d[n].node = node;
                snprintf(d[n].name, sizeof d[n].name, "%s", num + 1 + strlen("channel"));
                n++;
        }
        if (n == 0)
                return -ENODEV;
        return node_list_spec(CDI_IMEX_KIND, d, n, opts, ret);
}
