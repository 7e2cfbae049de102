#include "generate.h"

#include <unistd.h>

#include <sys/stat.h>

#include "icdfile.h"
#include "spec.h"
#include "util.h"

/* Debian-family images search the multiarch dir; RHEL-family ones (UBI, Fedora, Rocky, NVIDIA's own
 * CUDA images) /lib64:/usr/lib64 by ld.so's built-in default. The FHS layout mounts the libraries
 * in both, so either family's loader finds them without ldconfig or any exec in the container. */
#if defined(__x86_64__)
#define NATIVE_FHS_LIBDIR "/usr/lib/x86_64-linux-gnu"
#define RHEL_FHS_LIBDIR "/usr/lib64"
#elif defined(__aarch64__)
#define NATIVE_FHS_LIBDIR "/usr/lib/aarch64-linux-gnu"
#define RHEL_FHS_LIBDIR "/usr/lib64"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_FHS_LIBDIR "/usr/lib/powerpc64le-linux-gnu"
#else
#define NATIVE_FHS_LIBDIR "/usr/lib"
#endif

#define NIX_DRIVER_DIR "/run/opengl-driver"

/* Where each kind of driver file goes in the container, per layout. Libraries are mounted under
 * their soname (what DT_NEEDED and dlopen ask for) and their file name. */
static const struct {
        const char *nix_dir;
        const char *fhs_dir;   /* NULL: the FHS library dir */
} file_dirs[_DRIVER_FILE_KIND_MAX] = {
        [DRIVER_FILE_LIBRARY] = { NIX_DRIVER_DIR "/lib", NULL },
        [DRIVER_FILE_BINARY] = { NIX_DRIVER_DIR "/bin", "/usr/bin" },
        [DRIVER_FILE_VULKAN_ICD] = { NIX_DRIVER_DIR "/share/vulkan/icd.d", "/usr/share/vulkan/icd.d" },
        [DRIVER_FILE_VULKAN_LAYER] = { NIX_DRIVER_DIR "/share/vulkan/implicit_layer.d",
                                       "/usr/share/vulkan/implicit_layer.d" },
        [DRIVER_FILE_EGL_VENDOR] = { NIX_DRIVER_DIR "/share/glvnd/egl_vendor.d", "/usr/share/glvnd/egl_vendor.d" },
};

static const char *const mount_options[] = { "ro", "nosuid", "nodev", "bind" };

/* Loader JSON files name a library to dlopen. */
static bool is_loader_json(enum driver_file_kind k) {
        return k == DRIVER_FILE_VULKAN_ICD || k == DRIVER_FILE_VULKAN_LAYER || k == DRIVER_FILE_EGL_VENDOR;
}

void aux_files_clear(struct aux_files *a) {
        for (size_t i = 0; i < a->n_files; i++) {
                free(a->files[i].name);
                free(a->files[i].content);
        }
        free(a->files);
        *a = (struct aux_files) {};
}

static int aux_add(struct aux_files *a, char *name, char *content) {
        struct aux_file *n = realloc(a->files, (a->n_files + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        a->files = n;
        a->files[a->n_files++] = (struct aux_file) { name, content };
        return 0;
}

/* The host file to mount for f in a layout whose libraries live in lib_dir: the driver's own, or,
 * for a loader JSON file (doc, its content) that names its library by an absolute host path, a
 * rewritten copy in the state dir. */
static int mount_source(const struct driver_file *f, const json_t *doc, const char *layout_name,
                        const char *lib_dir, const struct generate_options *opts, struct aux_files *aux,
                        char **ret) {
        if (!doc)
                return (*ret = strdup(f->host_path)) ? 0 : -ENOMEM;

        _cleanup_free_ char *content = NULL, *name = NULL, *path = NULL;
        int r = icd_rewrite(doc, f->host_path, lib_dir, &content);
        if (r < 0)
                return r;
        if (!content)
                return (*ret = strdup(f->host_path)) ? 0 : -ENOMEM;
        if (!opts->state_dir) {
                log_error("%s names its library by a host path, and no state directory was given for a "
                          "rewritten copy", f->host_path);
                return -EINVAL;
        }
        /* Not named *.json: a state dir that is also a spec dir must not look like holding specs. */
        if (!(name = strprintf("%s-%s.loader", layout_name, f->name)) ||
            !(path = strprintf("%s/%s", opts->state_dir, name)))
                return -ENOMEM;
        for (size_t i = 0; i < aux->n_files; i++)
                if (streq(aux->files[i].name, name)) {
                        log_error("two loader files are named %s; remove the stale one from the driver roots", f->name);
                        return -EBADMSG;
                }
        if ((r = aux_add(aux, name, content)) < 0)
                return r;
        name = content = NULL;
        *ret = TAKE_PTR(path);
        return 0;
}

int cdi_layout_from_string(const char *s, enum cdi_layout *ret) {
        static const struct { const char *name; enum cdi_layout layout; } table[] = {
                { "nix", CDI_LAYOUT_NIX }, { "fhs", CDI_LAYOUT_FHS }, { "both", CDI_LAYOUT_BOTH },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(s, table[i].name)) {
                        *ret = table[i].layout;
                        return 0;
                }
        return -EINVAL;
}

int cdi_spec_set_version(json_t *spec, const char *kind, const char *forced) {
        const char *need, *reason;
        cdi_spec_min_version(spec, &need, &reason);
        const char *version = need;
        if (forced) {
                if (!cdi_version_known(forced)) {
                        log_error("cdiVersion %s is not a CDI version this tool knows", forced);
                        return -EINVAL;
                }
                if (cdi_version_compare(forced, need) < 0) {
                        log_error("cdiVersion %s cannot carry the %s spec: %s needs %s",
                                  forced, kind, reason ? reason : "its content", need);
                        return -ERANGE;
                }
                version = forced;
        }
        return json_object_set_new(spec, "cdiVersion", json_string(version)) < 0 ? -ENOMEM : 0;
}

int cdi_spec_filename(enum gpu_vendor vendor, char **ret) {
        char *p = strprintf("gpucdi-%s.json", gpu_vendor_name(vendor));
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* jansson's setters steal references and fail only on allocation; collect the failure once. */
static int append_new(json_t *array, json_t *v) {
        if (!v || json_array_append_new(array, v) < 0)
                return -ENOMEM;
        return 0;
}

static int set_new(json_t *obj, const char *key, json_t *v) {
        if (!v || json_object_set_new(obj, key, v) < 0)
                return -ENOMEM;
        return 0;
}

/* Add a device node at container path `path`, taken from the host node at `host` (a container-style
 * path under the dev root; NULL: the same as path). hostPath is written only when it differs.
 * Type and numbers are left to the engine, which stats the host node at container creation: a spec
 * never carries a stale dynamic major (nvidia-uvm's changes across reboots). */
static int add_node_from(json_t *nodes, const struct probe_roots *roots, const char *path, const char *host) {
        json_auto_t *n = json_object();
        if (!n || set_new(n, "path", json_string(path)) < 0)
                return -ENOMEM;
        bool dev_is_default = !roots->dev || streq(roots->dev, "/dev");
        if (!host)
                host = path;
        if (!dev_is_default || !streq(host, path)) {
                _cleanup_free_ char *hp = NULL;
                if (path_join(dev_is_default ? "/dev" : roots->dev, host + strlen("/dev"), &hp) < 0 ||
                    set_new(n, "hostPath", json_string(hp)) < 0)
                        return -ENOMEM;
        }
        return append_new(nodes, json_incref(n));
}

static int add_node(json_t *nodes, const struct probe_roots *roots, const char *path) {
        return add_node_from(nodes, roots, path, NULL);
}

/* A GPU's nodes, every one checked against the kernel's numbers. A GPU whose nodes are not all there
 * yet (udev has not made them at boot, or a stale one stands there) is left out: a spec naming a
 * missing node makes podman fail every container that asks for the device. Returns 0 and adds the
 * nodes, or -ENXIO with *ret_bad the first node that is not right. */
static int add_gpu_nodes(json_t *nodes, const struct probe_roots *roots, const struct gpu *g,
                         const struct devnode **ret_bad) {
        int r;
        const struct devnode *required[] = {
                g->vendor == GPU_VENDOR_NVIDIA && g->nv_node.path[0] ? &g->nv_node : NULL,
                g->card_node[0] ? &g->card : NULL,
                g->render_node[0] ? &g->render : NULL,
        };
        for (size_t i = 0; i < ELEMENTSOF(required); i++)
                if (required[i] && required[i]->state != DEVNODE_OK) {
                        *ret_bad = required[i];
                        return -ENXIO;
                }
        if (g->vendor == GPU_VENDOR_NVIDIA && g->nv_node.path[0] && (r = add_node(nodes, roots, g->nv_node.path)) < 0)
                return r;
        /* The by-path names are symlinks on the host, and engines refuse a symlink as a device node:
         * the container gets a node at the link's path made from the node it points to. */
        const struct { const char *path, *host; } drm[] = {
                { g->card_node, NULL },
                { g->render_node, NULL },
                { g->by_path_card, g->card_node },
                { g->by_path_render, g->render_node },
        };
        for (size_t i = 0; i < ELEMENTSOF(drm); i++) {
                if (!drm[i].path[0] || (drm[i].host && !drm[i].host[0]))
                        continue;
                if ((r = add_node_from(nodes, roots, drm[i].path, drm[i].host)) < 0)
                        return r;
        }
        return 0;
}

/* One prestart hook entry naming the requested device; the hook reads all such entries from
 * config.json, so a container asking for several devices is checked once with the whole list. */
static int make_hook(const struct generate_options *opts, const char *qualified, json_t **ret) {
        json_auto_t *hook = json_object(), *args = json_array(), *env = json_array();
        if (!hook || !args || !env)
                return -ENOMEM;
        const char *const fixed[] = { GPUCDI_HOOK_ARG0, GPUCDI_HOOK_STAGE, GPUCDI_HOOK_DEVICE_OPT, qualified };
        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (append_new(args, json_string(fixed[i])) < 0)
                        return -ENOMEM;
        /* A spec generated for a non-default host tells the hook to check that same host. */
        const struct { const char *opt, *value, *dflt; } roots[] = {
                { "--proc-root", opts->roots->proc, "/proc" },
                { "--dev-root", opts->roots->dev, "/dev" },
        };
        for (size_t i = 0; i < ELEMENTSOF(roots); i++)
                if (roots[i].value && !streq(roots[i].value, roots[i].dflt))
                        if (append_new(args, json_string(roots[i].opt)) < 0 ||
                            append_new(args, json_string(roots[i].value)) < 0)
                                return -ENOMEM;
        /* Never an empty env: the engine would otherwise hand the hook its own environment. */
        if (append_new(env, json_string(GPUCDI_HOOK_ENV)) < 0)
                return -ENOMEM;
        if (set_new(hook, "hookName", json_string(GPUCDI_HOOK_STAGE)) < 0 ||
            set_new(hook, "path", json_string(opts->hook_path)) < 0 ||
            json_object_set(hook, "args", args) < 0 || json_object_set(hook, "env", env) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(hook);
        return 0;
}

static int add_device(json_t *devices, const char *name, json_t *nodes, const char *kind,
                      const struct generate_options *opts) {
        json_auto_t *dev = json_object(), *edits = json_object();
        if (!dev || !edits)
                return -ENOMEM;
        if (set_new(dev, "name", json_string(name)) < 0 || json_object_set(edits, "deviceNodes", nodes) < 0)
                return -ENOMEM;
        if (opts->hook_path) {
                _cleanup_free_ char *q = NULL;
                json_t *hook = NULL;
                if (!(q = strprintf("%s=%s", kind, name)))
                        return -ENOMEM;
                int r = make_hook(opts, q, &hook);
                if (r < 0)
                        return r;
                json_auto_t *hooks = json_array();
                if (!hooks || append_new(hooks, hook) < 0 || json_object_set(edits, "hooks", hooks) < 0)
                        return -ENOMEM;
        }
        if (json_object_set(dev, "containerEdits", edits) < 0)
                return -ENOMEM;
        return append_new(devices, json_incref(dev));
}

static int add_mount(json_t *mounts, const char *host_path, const char *dir, const char *name) {
        _cleanup_free_ char *target = NULL;
        if (!(target = strprintf("%s/%s", dir, name)))
                return -ENOMEM;
        json_auto_t *m = json_object(), *o = json_array();
        if (!m || !o)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(mount_options); i++)
                if (append_new(o, json_string(mount_options[i])) < 0)
                        return -ENOMEM;
        if (set_new(m, "hostPath", json_string(host_path)) < 0 ||
            set_new(m, "containerPath", json_string(target)) < 0 || json_object_set(m, "options", o) < 0)
                return -ENOMEM;
        return append_new(mounts, json_incref(m));
}

static int mount_cmp(const void *a, const void *b) {
        const json_t *const *x = a, *const *y = b;
        return strcmp(json_string_value(json_object_get(*x, "containerPath")),
                      json_string_value(json_object_get(*y, "containerPath")));
}

/* Driver files into mounts, sorted by container path so the spec diffs cleanly. */
static int build_mounts(const struct driver_files *files, const struct generate_options *opts, json_t **ret,
                        struct aux_files *aux) {
        json_auto_t *mounts = json_array();
        if (!mounts)
                return -ENOMEM;
        const char *fhs_libdir = opts->fhs_libdir ? opts->fhs_libdir : NATIVE_FHS_LIBDIR;

        for (size_t i = 0; files && i < files->n_files; i++) {
                const struct driver_file *f = &files->files[i];
                json_auto_t *doc = NULL;
                int r = is_loader_json(f->kind) ? icd_load(f->host_path, &doc) : 0;
                if (r < 0)
                        return r;
                for (int layout = CDI_LAYOUT_NIX; layout <= CDI_LAYOUT_FHS; layout <<= 1) {
                        if (!(opts->layout & layout))
                                continue;
                        bool nix = layout == CDI_LAYOUT_NIX;
                        const char *lib_dir = nix ? file_dirs[DRIVER_FILE_LIBRARY].nix_dir : fhs_libdir;
                        const char *dir = nix ? file_dirs[f->kind].nix_dir : file_dirs[f->kind].fhs_dir;
                        if (!dir)
                                dir = fhs_libdir;
                        _cleanup_free_ char *source = NULL;
                        r = mount_source(f, doc, nix ? "nix" : "fhs", lib_dir, opts, aux, &source);
                        if (r >= 0)
                                r = add_mount(mounts, source, dir, f->name);
                        if (r >= 0 && f->soname && !streq(f->soname, f->name))
                                r = add_mount(mounts, source, dir, f->soname);
#ifdef RHEL_FHS_LIBDIR
                        /* The second family's directory, unless the user chose the one directory. */
                        if (r >= 0 && !nix && f->kind == DRIVER_FILE_LIBRARY && !opts->fhs_libdir) {
                                r = add_mount(mounts, source, RHEL_FHS_LIBDIR, f->name);
                                if (r >= 0 && f->soname && !streq(f->soname, f->name))
                                        r = add_mount(mounts, source, RHEL_FHS_LIBDIR, f->soname);
                        }
#endif
                        if (r < 0)
                                return r;
                }
        }

        /* Borrowed pointers: mounts keeps them alive while sorted takes its own references. */
        size_t n = json_array_size(mounts);
        _cleanup_free_ json_t **v = calloc(n ? n : 1, sizeof(json_t *));
        json_auto_t *sorted = json_array();
        if (!v || !sorted)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = json_array_get(mounts, i);
        qsort(v, n, sizeof(json_t *), mount_cmp);
        for (size_t i = 0; i < n; i++)
                if (json_array_append(sorted, v[i]) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(sorted);
        return 0;
}

/* What creates each NVIDIA control node when it is missing: nvidia-modprobe's options. */
static const struct {
        const char *path;
        const char *module;
        const char *create;
        bool required;     /* CUDA cannot work without it */
} nv_ctl_fixes[] = {
        { "/dev/nvidiactl", "nvidia", "nvidia-modprobe -c 0", true },
        { "/dev/nvidia-uvm", "nvidia-uvm", "nvidia-modprobe -u -c 0", true },
        { "/dev/nvidia-uvm-tools", "nvidia-uvm", "nvidia-modprobe -u -c 0", true },
        { "/dev/nvidia-modeset", "nvidia-modeset", "nvidia-modprobe -m", false },
};

/* Nodes every device of the vendor needs: NVIDIA's control nodes, AMD's /dev/kfd. A required NVIDIA
 * node that the kernel has but /dev lacks is an error (it only appears when someone creates it);
 * nvidia-uvm not loaded at all makes the spec incomplete (the udev rule regenerates on its load). */
static int build_shared_nodes(const struct host *h, enum gpu_vendor vendor, const struct probe_roots *roots,
                              json_t **ret, bool *incomplete) {
        json_auto_t *nodes = json_array();
        const char *dev = roots->dev ? roots->dev : "/dev";
        int r;
        if (!nodes)
                return -ENOMEM;
        if (vendor == GPU_VENDOR_NVIDIA) {
                bool have_uvm = false;
                for (size_t i = 0; i < h->n_nv_ctl_nodes; i++) {
                        const struct devnode *n = &h->nv_ctl_nodes[i];
                        if (n->state == DEVNODE_OK) {
                                have_uvm |= streq(n->path, "/dev/nvidia-uvm");
                                if ((r = add_node(nodes, roots, n->path)) < 0)
                                        return r;
                                continue;
                        }
                        for (size_t k = 0; k < ELEMENTSOF(nv_ctl_fixes); k++) {
                                if (!streq(n->path, nv_ctl_fixes[k].path))
                                        continue;
                                if (n->want_major >= 0 && nv_ctl_fixes[k].required) {
                                        log_error("%s%s is %s, but the %s module is loaded (c %d:%d in /proc/devices): "
                                                  "%screate it with '%s'",
                                                  dev, n->path + strlen("/dev"), devnode_state_name(n->state),
                                                  nv_ctl_fixes[k].module, n->want_major, n->want_minor,
                                                  geteuid() == 0 ? "" : "run gpucdi generate as root, which creates it, or ",
                                                  nv_ctl_fixes[k].create);
                                        return -ENXIO;
                                }
                                log_warning("%s%s is %s; left out of the spec (%s)", dev, n->path + strlen("/dev"),
                                            devnode_state_name(n->state),
                                            n->want_major >= 0 ? nv_ctl_fixes[k].create : "its module is not loaded");
                        }
                }
                if (!have_uvm && host_chrdev_major(h, "nvidia-uvm") < 0) {
                        log_warning("the nvidia-uvm module is not loaded, so containers cannot initialise CUDA: load it "
                                    "(modprobe nvidia-uvm); the udev rule regenerates the spec when it loads");
                        *incomplete = true;
                }
        }
        if (vendor == GPU_VENDOR_AMD && h->has_kfd) {
                if (h->kfd_node.state == DEVNODE_OK) {
                        if ((r = add_node(nodes, roots, "/dev/kfd")) < 0)
                                return r;
                } else {
                        log_warning("%s/kfd is %s; left out of the spec until it is there (ROCm needs it)", dev,
                                    devnode_state_name(h->kfd_node.state));
                        *incomplete = true;
                }
        }
        *ret = TAKE_PTR(nodes);
        return 0;
}

/* One device per MIG compute instance: the parent GPU's node and the GI and CI capability nodes.
 * Named "<gpu index>:<n>" (n counts the GPU's compute instances in GI, CI order, as nvidia-ctk's
 * index names do) and "<pci address>-gi<G>-ci<C>", which says exactly which instance it is. */
static int add_mig_devices(json_t *devices, json_t *all_nodes, const struct gpu *g, const char *idx,
                           const char *kind, const struct generate_options *opts, bool *incomplete) {
        const char *dev = opts->roots->dev ? opts->roots->dev : "/dev";
        int r;
        for (size_t k = 0; k < g->n_migs; k++) {
                const struct mig_instance *m = &g->migs[k];
                const struct devnode *caps[] = { &m->gi_cap, &m->ci_cap };
                bool ok = true;
                for (size_t c = 0; c < ELEMENTSOF(caps); c++)
                        if (caps[c]->state != DEVNODE_OK) {
                                log_warning("MIG instance gi%u/ci%u of NVIDIA GPU %s: %s%s is %s; leaving it out of "
                                            "the spec (%s)", m->gi, m->ci,
                                            g->pci_addr, dev, caps[c]->path + strlen("/dev"),
                                            devnode_state_name(caps[c]->state),
                                            geteuid() == 0 ? "gpucdi generate creates it unless told not to"
                                                           : "run gpucdi generate as root, which creates it");
                                ok = false;
                                *incomplete = true;
                                break;
                        }
                if (!ok)
                        continue;
                json_auto_t *nodes = json_array();
                if (!nodes)
                        return -ENOMEM;
                const char *paths[] = { g->nv_node.path, m->gi_cap.path, m->ci_cap.path };
                for (size_t c = 0; c < ELEMENTSOF(paths); c++)
                        if ((r = add_node(nodes, opts->roots, paths[c])) < 0)
                                return r;
                /* "all" names each capability node once; a GI's node is shared by its CIs. */
                bool new_gi = k == 0 || g->migs[k - 1].gi != m->gi;
                for (size_t c = new_gi ? 1 : 2; c < ELEMENTSOF(paths); c++)
                        if ((r = add_node(all_nodes, opts->roots, paths[c])) < 0)
                                return r;
                char name[2][96];
                snprintf(name[0], sizeof name[0], "%s:%zu", idx, k);
                snprintf(name[1], sizeof name[1], "%s-gi%u-ci%u", g->pci_addr, m->gi, m->ci);
                for (size_t c = 0; c < ELEMENTSOF(name); c++)
                        if ((r = add_device(devices, name[c], nodes, kind, opts)) < 0)
                                return r;
        }
        return 0;
}

int cdi_generate_spec(const struct host *h, enum gpu_vendor vendor, const struct driver_files *files,
                      const struct generate_options *opts, json_t **ret, struct aux_files *aux, bool *ret_incomplete) {
        bool incomplete = false;
        int r;
        char kind[64];
        snprintf(kind, sizeof(kind), "%s/gpu", gpu_vendor_domain(vendor));

        json_auto_t *devices = json_array(), *all_nodes = json_array();
        const char *dev = opts->roots->dev ? opts->roots->dev : "/dev";
        if (!devices || !all_nodes)
                return -ENOMEM;

        size_t index = 0;
        for (size_t i = 0; i < h->n_gpus; i++) {
                const struct gpu *g = &h->gpus[i];
                if (g->vendor != vendor || !gpu_driver_usable(g))
                        continue;

                json_auto_t *nodes = json_array();
                if (!nodes)
                        return -ENOMEM;
                /* The index is consumed even by a GPU left out, so names match gpucdi probe's. */
                char idx[32];
                snprintf(idx, sizeof(idx), "%zu", index++);
                const struct devnode *bad = NULL;
                r = add_gpu_nodes(nodes, opts->roots, g, &bad);
                if (r == -ENXIO) {
                        log_warning("%s GPU %s left out of the spec: %s%s is %s (the spec is regenerated when it "
                                    "appears)", gpu_vendor_name(vendor), g->pci_addr, dev, bad->path + strlen("/dev"),
                                    devnode_state_name(bad->state));
                        incomplete = true;
                        continue;
                }
                if (r < 0 || (r = add_gpu_nodes(all_nodes, opts->roots, g, &bad)) < 0)
                        return r;
                if (json_array_size(nodes) == 0) {
                        log_warning("%s GPU %s has no device node under %s; leaving it out of the spec",
                                    gpu_vendor_name(vendor), g->pci_addr, dev);
                        incomplete = true;
                        continue;
                }

                /* Names: index, then the stable identities. */
                const char *names[] = { idx, g->nv_uuid[0] ? g->nv_uuid : NULL, g->pci_addr };
                for (size_t k = 0; k < ELEMENTSOF(names); k++)
                        if (names[k] && (r = add_device(devices, names[k], nodes, kind, opts)) < 0)
                                return r;
                if ((r = add_mig_devices(devices, all_nodes, g, idx, kind, opts, &incomplete)) < 0)
                        return r;
        }
        /* Usable GPUs that all lack nodes leave nothing to request: "all" alone would be empty edits,
         * which podman refuses (and with them the whole spec). */
        if (json_array_size(devices) == 0) {
                if (ret_incomplete)
                        *ret_incomplete = incomplete;
                return -ENODEV;
        }
        if ((r = add_device(devices, "all", all_nodes, kind, opts)) < 0)
                return r;

        json_auto_t *edits = json_object(), *shared = NULL, *mounts = NULL;
        if (!edits)
                return -ENOMEM;
        if ((r = build_shared_nodes(h, vendor, opts->roots, &shared, &incomplete)) < 0 ||
            (r = build_mounts(files, opts, &mounts, aux)) < 0)
                return r;
        if (json_array_size(shared) > 0 && json_object_set(edits, "deviceNodes", shared) < 0)
                return -ENOMEM;
        if (json_array_size(mounts) > 0 && json_object_set(edits, "mounts", mounts) < 0)
                return -ENOMEM;

        /* Key order is the order a person reads a spec in. */
        json_auto_t *spec = json_object();
        if (!spec || set_new(spec, "cdiVersion", json_string("0.3.0")) < 0 ||
            set_new(spec, "kind", json_string(kind)) < 0 || json_object_set(spec, "devices", devices) < 0)
                return -ENOMEM;
        if (json_object_size(edits) > 0 && json_object_set(spec, "containerEdits", edits) < 0)
                return -ENOMEM;

        r = cdi_spec_set_version(spec, kind, opts->cdi_version);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(spec);
        if (ret_incomplete)
                *ret_incomplete = incomplete;
        return 0;
}
