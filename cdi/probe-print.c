/* `gpucdi probe` output: a table for people, JSON for programs.
 *
 * JSON schema (stable; keys always present unless marked "only"; absent values are null):
 *
 * {
 *   "gpus": [                              sorted by PCI address
 *     {
 *       "index": 0,                        position among this vendor's usable GPUs (bound to nvidia, amdgpu,
 *                                          i915 or xe) in PCI order, null for others: the CDI
 *                                          device name (nvidia.com/gpu=0)
 *       "vendor": "nvidia",                "nvidia" | "amd" | "intel"
 *       "pci": "0000:00:06.0",
 *       "vendor_id": "0x10de",             PCI ids as 4-digit lowercase hex strings
 *       "device_id": "0x2330",
 *       "subsystem_vendor_id": "0x10de",
 *       "subsystem_device_id": "0x16c1",
 *       "class": "0x030200",               class, subclass, programming interface
 *       "driver": "nvidia",                bound kernel driver, or null
 *       "numa_node": 0,                    or null when the platform does not say
 *       "nodes": {                         DRM nodes as container paths
 *         "card": "/dev/dri/card1",        or null
 *         "card_minor": 1,                 or null (major is always 226)
 *         "render": "/dev/dri/renderD128", or null
 *         "render_minor": 128,             or null
 *         "by_path_card": "/dev/dri/by-path/pci-0000:03:00.0-card",     or null
 *         "by_path_render": "/dev/dri/by-path/pci-0000:03:00.0-render", or null
 *         "drm_confirmed": false,          libdrm's device list agreed with the sysfs mapping
 *         "card_state": "ok",              the card node checked against sysfs `dev`: "ok", "missing",
 *                                          "not a character device", "wrong major:minor"; null without one
 *         "render_state": "ok"             the same for the render node
 *       },
 *       "nvidia": {                        only for vendor "nvidia"; null without /proc details
 *         "minor": 0,                      /dev/nvidia<minor>
 *         "uuid": "GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33",
 *         "model": "NVIDIA H100 80GB HBM3",
 *         "node": DEVNODE,                 /dev/nvidia<minor> under the dev root, or null
 *         "excluded": false,               "GPU Excluded: Yes" in its information file: no CDI device
 *         "mig": [                         MIG compute instances, by GPU instance then compute instance
 *           {"gi": 1, "ci": 0, "gi_cap": DEVNODE, "ci_cap": DEVNODE}
 *         ]
 *       }
 *     }
 *   ],
 *   "nvidia": {
 *     "driver_version": "580.159.04",      from /proc/driver/nvidia/version, or null
 *     "control_nodes": [DEVNODE, ...],     nvidiactl, nvidia-uvm, nvidia-uvm-tools, nvidia-modeset:
 *                                          those the kernel registered or /dev holds, in this order
 *     "imex_channels": [DEVNODE, ...]      /dev/nvidia-caps-imex-channels/channel<N> present
 *   },
 *   "amd": {
 *     "kfd": true,                         /dev/kfd present
 *     "kfd_node": DEVNODE                  or null
 *   },
 *   "render_gpus": [                       render nodes of drivers no vendor spec serves (virtio_gpu,
 *                                          asahi, panfrost, ...), in render minor order
 *     {
 *       "index": 0,                        the CDI device name (gpucdi.io/render=0)
 *       "node": DEVNODE,                   /dev/dri/renderD<N>
 *       "driver": "virtio_gpu",
 *       "bus": "virtio",                   "pci", "platform", "virtio"
 *       "path_id": "pci-0000:00:02.0"      udev's path_id name (also a CDI device name), or null
 *     }
 *   ]
 * }
 *
 * DEVNODE = {"path": "/dev/nvidiactl", "char_device": true, "major": 195, "minor": 255, "state": "ok"}
 *   path is the container path; major/minor come from stat() and are 0 when char_device is false
 *   (a placeholder file in a fake dev root). state compares it with the numbers the kernel gives
 *   (/proc/devices, sysfs `dev`): "ok", "missing", "not a character device", "wrong major:minor",
 *   "no driver registered for it". Only "ok" nodes go into specs.
 *
 * Output is indented by 2 spaces, keys in the order above, with a final newline. */
#include <jansson.h>

#include "probe-print.h"
#include "util.h"

/* Host strings (a GPU model from /proc, driver and path names from sysfs) are bytes, and JSON text
 * is UTF-8: a byte that is not part of a valid UTF-8 sequence becomes U+FFFD. NULL only when out of
 * memory. */
static json_t *text(const char *s) {
        size_t n = strlen(s);
        _cleanup_free_ char *out = malloc(3 * n + 1);
        if (!out)
                return NULL;
        const unsigned char *p = (const unsigned char *) s;
        size_t o = 0;
        for (size_t i = 0; i < n; ) {
                unsigned char b = p[i];
                size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
                bool ok = len > 0 && i + len <= n;
                for (size_t k = 1; ok && k < len; k++)
                        ok = (p[i + k] & 0xc0) == 0x80;
                if (ok && len > 1) {
                        /* No overlong forms, surrogates or code points above U+10FFFF. */
                        unsigned cp = b & (0x7f >> len);
                        for (size_t k = 1; k < len; k++)
                                cp = (cp << 6) | (p[i + k] & 0x3f);
                        static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
                        ok = cp >= min[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
                }
                if (ok) {
                        memcpy(out + o, p + i, len);
                        o += len;
                        i += len;
                } else {
                        memcpy(out + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                }
        }
        out[o] = 0;
        return json_stringn(out, o);
}

/* null for an absent (NULL or empty) string. */
static json_t *text_or_null(const char *s) {
        return s && *s ? text(s) : json_null();
}

static json_t *devnode_json(const struct devnode *d) {
        if (!d->path[0])
                return json_null();
        return json_pack("{s:o, s:b, s:I, s:I, s:s}", "path", text(d->path), "char_device", d->is_char,
                         "major", (json_int_t) d->major, "minor", (json_int_t) d->minor,
                         "state", devnode_state_name(d->state));
}

static json_t *migs_json(const struct gpu *g) {
        json_auto_t *a = json_array();
        if (!a)
                return NULL;
        for (size_t i = 0; i < g->n_migs; i++) {
                const struct mig_instance *m = &g->migs[i];
                if (json_array_append_new(a, json_pack("{s:I, s:I, s:o, s:o}", "gi", (json_int_t) m->gi, "ci",
                                                       (json_int_t) m->ci, "gi_cap", devnode_json(&m->gi_cap),
                                                       "ci_cap", devnode_json(&m->ci_cap))) < 0)
                        return NULL;
        }
        return json_incref(a);
}

static json_t *int_or_null(int v) {
        return v >= 0 ? json_integer(v) : json_null();
}

/* The CDI device index of g (counted in next[], per vendor), or -1 for a GPU generate leaves out. */
static ssize_t gpu_index(const struct gpu *g, size_t next[_GPU_VENDOR_MAX]) {
        return gpu_driver_usable(g) ? (ssize_t) next[g->vendor]++ : -1;
}

static json_t *gpu_json(const struct gpu *g, ssize_t index) {
        char vid[8], did[8], svid[8], sdid[8], cls[12];
        snprintf(vid, sizeof vid, "0x%04x", g->vendor_id);
        snprintf(did, sizeof did, "0x%04x", g->device_id);
        snprintf(svid, sizeof svid, "0x%04x", g->subsys_vendor_id);
        snprintf(sdid, sizeof sdid, "0x%04x", g->subsys_device_id);
        snprintf(cls, sizeof cls, "0x%06x", (unsigned) (g->class_code & 0xffffff));

        json_t *nodes = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s?, s:s?}",
                                  "card", text_or_null(g->card_node),
                                  "card_minor", int_or_null(g->card_minor),
                                  "render", text_or_null(g->render_node),
                                  "render_minor", int_or_null(g->render_minor),
                                  "by_path_card", text_or_null(g->by_path_card),
                                  "by_path_render", text_or_null(g->by_path_render),
                                  "drm_confirmed", g->drm_confirmed,
                                  "card_state", g->card_node[0] ? devnode_state_name(g->card.state) : NULL,
                                  "render_state", g->render_node[0] ? devnode_state_name(g->render.state) : NULL);
        if (!nodes)
                return NULL;

        json_t *o = json_pack("{s:o, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
                              "index", index >= 0 ? json_integer(index) : json_null(),
                              "vendor", gpu_vendor_name(g->vendor),
                              "pci", text(g->pci_addr),
                              "vendor_id", vid,
                              "device_id", did,
                              "subsystem_vendor_id", svid,
                              "subsystem_device_id", sdid,
                              "class", cls,
                              "driver", text_or_null(g->driver),
                              "numa_node", int_or_null(g->numa_node),
                              "nodes", nodes);
        if (!o || g->vendor != GPU_VENDOR_NVIDIA)
                return o;

        json_t *nv = g->nv_minor < 0 ? json_null()
                                     : json_pack("{s:i, s:o, s:o, s:o, s:b, s:o}", "minor", g->nv_minor, "uuid", text(g->nv_uuid),
                                                 "model", text(g->nv_model), "node", devnode_json(&g->nv_node),
                                                 "excluded", g->nv_excluded, "mig", migs_json(g));
        if (!nv || json_object_set_new(o, "nvidia", nv) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static json_t *host_json(const struct host *h) {
        json_auto_t *gpus = json_array();
        json_auto_t *ctl = json_array(), *imex = json_array(), *render = json_array();
        if (!gpus || !ctl || !imex || !render)
                return NULL;
        for (size_t i = 0; i < h->n_render_gpus; i++) {
                const struct render_gpu *g = &h->render_gpus[i];
                if (json_array_append_new(render, json_pack("{s:I, s:o, s:o, s:o, s:o}", "index", (json_int_t) i,
                                                            "node", devnode_json(&g->node), "driver", text(g->driver),
                                                            "bus", text(g->bus), "path_id", text_or_null(g->id))) < 0)
                        return NULL;
        }
        for (size_t i = 0; i < h->n_imex_channels; i++)
                if (json_array_append_new(imex, devnode_json(&h->imex_channels[i])) < 0)
                        return NULL;
        size_t index[_GPU_VENDOR_MAX] = {};
        for (size_t i = 0; i < h->n_gpus; i++)
                if (json_array_append_new(gpus, gpu_json(&h->gpus[i], gpu_index(&h->gpus[i], index))) < 0)
                        return NULL;
        for (size_t i = 0; i < h->n_nv_ctl_nodes; i++)
                if (json_array_append_new(ctl, devnode_json(&h->nv_ctl_nodes[i])) < 0)
                        return NULL;

        return json_pack("{s:O, s:{s:o, s:O, s:O}, s:{s:b, s:o}, s:O}",
                         "gpus", gpus,
                         "nvidia", "driver_version", text_or_null(h->nv_driver_version), "control_nodes", ctl,
                         "imex_channels", imex,
                         "amd", "kfd", h->has_kfd, "kfd_node", devnode_json(&h->kfd_node),
                         "render_gpus", render);
}

int host_print_json(const struct host *h, FILE *f) {
        json_auto_t *root = host_json(h);
        if (!root)
                return log_error_errno(-ENOMEM, "Failed to build the probe JSON: %m");
        if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f) == EOF || fflush(f) != 0)
                return log_error_errno(errno > 0 ? -errno : -EIO, "Failed to write the probe JSON: %m");
        return 0;
}

enum { COL_DEVICE, COL_VENDOR, COL_PCI, COL_ID, COL_DRIVER, COL_NUMA, COL_NODES, COL_DETAILS, _COL_MAX };

static const char *const col_title[_COL_MAX] = {
        "DEVICE", "VENDOR", "PCI", "ID", "DRIVER", "NUMA", "NODES", "DETAILS",
};

static void gpu_cells(const struct gpu *g, ssize_t index, char cells[_COL_MAX][512]) {
        if (index >= 0)
                snprintf(cells[COL_DEVICE], 512, "%s/gpu=%zd", gpu_vendor_domain(g->vendor), index);
        else
                snprintf(cells[COL_DEVICE], 512, "-");
        snprintf(cells[COL_VENDOR], 512, "%s", gpu_vendor_name(g->vendor));
        snprintf(cells[COL_PCI], 512, "%s", g->pci_addr);
        snprintf(cells[COL_ID], 512, "%04x:%04x", g->vendor_id, g->device_id);
        snprintf(cells[COL_DRIVER], 512, "%s", g->driver[0] ? g->driver : "-");
        if (g->numa_node >= 0)
                snprintf(cells[COL_NUMA], 512, "%d", g->numa_node);
        else
                snprintf(cells[COL_NUMA], 512, "-");

        const char *nodes[] = { g->nv_node.path, g->card_node, g->render_node };
        char *p = cells[COL_NODES];
        size_t left = 512;
        p[0] = 0;
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                if (!nodes[i][0])
                        continue;
                int k = snprintf(p, left, "%s%s", p == cells[COL_NODES] ? "" : " ", nodes[i]);
                if (k < 0 || (size_t) k >= left)
                        break;
                p += k;
                left -= (size_t) k;
        }
        if (!cells[COL_NODES][0])
                snprintf(cells[COL_NODES], 512, "-");

        if (g->vendor == GPU_VENDOR_NVIDIA && g->nv_minor >= 0)
                snprintf(cells[COL_DETAILS], 512, "%s, %s%s", g->nv_model, g->nv_uuid,
                         g->nv_excluded ? ", excluded by the driver (GPU Excluded: Yes)" :
                         g->n_migs > 0 ? ", MIG" : "");
        else if (g->by_path_card[0] || g->by_path_render[0])
                snprintf(cells[COL_DETAILS], 512, "by-path links%s", g->drm_confirmed ? ", confirmed by libdrm" : "");
        else
                snprintf(cells[COL_DETAILS], 512, "%s", g->drm_confirmed ? "confirmed by libdrm" : "");
}

static void print_row(FILE *f, char cells[_COL_MAX][512], const int width[_COL_MAX]) {
        char line[_COL_MAX * 520];
        size_t n = 0;
        for (int c = 0; c < _COL_MAX; c++) {
                int k = snprintf(line + n, sizeof line - n, "%-*s  ", width[c], cells[c]);
                if (k < 0 || (size_t) k >= sizeof line - n)
                        break;
                n += (size_t) k;
        }
        while (n > 0 && line[n - 1] == ' ')
                n--; /* no trailing blanks after the last column */
        fprintf(f, "%.*s\n", (int) n, line);
}

static void print_devnode(FILE *f, const struct devnode *d) {
        if (d->state == DEVNODE_OK && d->is_char)
                fprintf(f, "%s (%u:%u)", d->path, d->major, d->minor);
        else if (d->state == DEVNODE_OK)
                fprintf(f, "%s (stand-in file)", d->path);
        else if (d->is_char)
                fprintf(f, "%s (%u:%u, %s)", d->path, d->major, d->minor, devnode_state_name(d->state));
        else
                fprintf(f, "%s (%s)", d->path, devnode_state_name(d->state));
}

int host_print_table(const struct host *h, FILE *f) {
        if (h->n_gpus == 0 && h->n_render_gpus == 0)
                fprintf(f, "No GPU found.\n");
        else if (h->n_gpus == 0)
                fprintf(f, "No NVIDIA, AMD or Intel GPU found.\n");
        else {
                _cleanup_free_ char (*cells)[_COL_MAX][512] = calloc(h->n_gpus + 1, sizeof *cells);
                if (!cells)
                        return -ENOMEM;
                int width[_COL_MAX] = {};
                for (int c = 0; c < _COL_MAX; c++)
                        snprintf(cells[0][c], 512, "%s", col_title[c]);
                size_t index[_GPU_VENDOR_MAX] = {};
                for (size_t i = 0; i < h->n_gpus; i++)
                        gpu_cells(&h->gpus[i], gpu_index(&h->gpus[i], index), cells[i + 1]);
                for (size_t i = 0; i <= h->n_gpus; i++)
                        for (int c = 0; c < _COL_MAX; c++) {
                                int len = (int) strlen(cells[i][c]);
                                if (len > width[c])
                                        width[c] = len;
                        }
                for (size_t i = 0; i <= h->n_gpus; i++)
                        print_row(f, cells[i], width);
        }

        if (h->nv_driver_version[0] || h->n_nv_ctl_nodes > 0) {
                fprintf(f, "\nNVIDIA driver: %s\n", h->nv_driver_version[0] ? h->nv_driver_version : "not loaded");
                fprintf(f, "NVIDIA control nodes: ");
                if (h->n_nv_ctl_nodes == 0)
                        fprintf(f, "none");
                for (size_t i = 0; i < h->n_nv_ctl_nodes; i++) {
                        if (i > 0)
                                fprintf(f, ", ");
                        print_devnode(f, &h->nv_ctl_nodes[i]);
                }
                fputc('\n', f);
        }
        if (h->has_kfd || host_count_vendor(h, GPU_VENDOR_AMD) > 0) {
                fprintf(f, "%sAMD compute (kfd): ", h->nv_driver_version[0] || h->n_nv_ctl_nodes > 0 ? "" : "\n");
                if (h->has_kfd)
                        print_devnode(f, &h->kfd_node);
                else
                        fprintf(f, "no /dev/kfd");
                fputc('\n', f);
        }
        if (h->n_render_gpus > 0)
                fprintf(f, "\nRender-node GPUs (%s):\n", GPUCDI_RENDER_KIND);
        for (size_t i = 0; i < h->n_render_gpus; i++) {
                const struct render_gpu *g = &h->render_gpus[i];
                fprintf(f, "  %s=%zu  %s  %s  ", GPUCDI_RENDER_KIND, i, g->driver, g->id[0] ? g->id : g->bus);
                print_devnode(f, &g->node);
                fputc('\n', f);
        }
        if (fflush(f) != 0 || ferror(f))
                return log_error_errno(errno > 0 ? -errno : -EIO, "Failed to write the probe table: %m");
        return 0;
}
