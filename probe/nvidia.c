/* NVIDIA details without NVML or ioctls: /proc/driver/nvidia/version (driver version),
 * /proc/driver/nvidia/gpus/<pci>/information (model, UUID, device minor) and the nodes under /dev. */
#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "nvversion.h"
#include "probe-internal.h"
#include "util.h"

#define NV_PROC_MAX (64 * 1024)

/* Control nodes shared by every NVIDIA device, in the order they are reported: the /proc/devices
 * name that gives their major, and their fixed minor (nvidia-modprobe's numbers). */
static const struct {
        const char *name;
        const char *chrdev;
        unsigned minor;
} nv_control_nodes[] = {
        { "nvidiactl", "nvidiactl", 255 },
        { "nvidia-uvm", "nvidia-uvm", 0 },
        { "nvidia-uvm-tools", "nvidia-uvm", 1 },
        { "nvidia-modeset", "nvidia-modeset", 254 },
};

enum nv_field { NV_MODEL, NV_UUID, NV_MINOR, NV_BUS, NV_EXCLUDED, _NV_FIELD_MAX };

/* Fields of the information file we use; the others (IRQ, Video BIOS, ...) are ignored. */
static const struct {
        const char *key;
        bool required;
} nv_fields[_NV_FIELD_MAX] = {
        [NV_MODEL] = { "Model", true },
        [NV_UUID] = { "GPU UUID", true },
        [NV_MINOR] = { "Device Minor", true },
        [NV_BUS] = { "Bus Location", false }, /* cross-checked against the directory name */
        [NV_EXCLUDED] = { "GPU Excluded", false }, /* "Yes" for NVreg_ExcludedGpus; older drivers lack it */
};

/* GPU minors sit below nvidia-modeset (254) and nvidiactl (255). */
#define NV_MINOR_MAX 253

/* Real procfs files end in a newline: a file without one was cut short. */
static int check_complete(const char *text, size_t size, const char *path) {
        if (strlen(text) != size)
                return log_error_errno(-EBADMSG, "Malformed %s: contains NUL bytes", path);
        if (size == 0)
                return log_error_errno(-EBADMSG, "Malformed %s: empty file", path);
        if (text[size - 1] != '\n')
                return log_error_errno(-EBADMSG, "Malformed %s: truncated (last line is incomplete)", path);
        return 0;
}

int nvidia_parse_version(const char *text, size_t size, const char *path, char *ret, size_t ret_size) {
        int r = check_complete(text, size, path);
        if (r < 0)
                return r;

        const char *v;
        size_t n;
        r = nvidia_version_find(text, size, &v, &n);
        if (r == -ENOMSG)
                return log_error_errno(-EBADMSG, "Malformed %s: no \"NVRM version:\" line", path);
        if (r < 0)
                return log_error_errno(-EBADMSG, "Malformed %s: no driver version in the \"NVRM version:\" line", path);
        if (n >= ret_size)
                return log_error_errno(-EBADMSG, "Malformed %s: driver version \"%.*s\" is too long", path, (int) n, v);
        memcpy(ret, v, n);
        ret[n] = 0;
        return 0;
}

static bool is_uuid(const char *s) {
        /* GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33 */
        static const char shape[] = "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
        if (strlen(s) != sizeof shape - 1)
                return false;
        for (size_t i = 0; shape[i]; i++)
                if (shape[i] == 'x' ? !isxdigit((unsigned char) s[i]) : s[i] != shape[i])
                        return false;
        return true;
}

int nvidia_parse_gpu_info(const char *text, size_t size, const char *path, struct gpu *g) {
        char value[_NV_FIELD_MAX][256] = {};
        bool seen[_NV_FIELD_MAX] = {};
        int r = check_complete(text, size, path);
        if (r < 0)
                return r;

        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *colon = strchr(line, ':');
                if (!colon)
                        continue;
                *colon = 0;
                const char *key = strstrip(line);
                const char *val = strstrip(colon + 1);
                for (unsigned f = 0; f < _NV_FIELD_MAX; f++) {
                        if (!streq(key, nv_fields[f].key))
                                continue;
                        if (seen[f])
                                return log_error_errno(-EBADMSG, "Malformed %s: field \"%s\" appears twice", path, key);
                        if (strlen(val) >= sizeof value[f])
                                return log_error_errno(-EBADMSG, "Malformed %s: field \"%s\" is too long", path, key);
                        strcpy(value[f], val);
                        seen[f] = true;
                }
        }
        for (unsigned f = 0; f < _NV_FIELD_MAX; f++)
                if (nv_fields[f].required && !seen[f])
                        return log_error_errno(-EBADMSG, "Malformed %s: field \"%s\" is missing", path, nv_fields[f].key);

        const char *model = value[NV_MODEL];
        if (!*model || strlen(model) >= sizeof g->nv_model)
                return log_error_errno(-EBADMSG, "Malformed %s: field \"Model\" is empty or too long", path);
        for (const char *p = model; *p; p++)
                if (iscntrl((unsigned char) *p))
                        return log_error_errno(-EBADMSG, "Malformed %s: field \"Model\" has control characters", path);

        if (!is_uuid(value[NV_UUID]))
                return log_error_errno(-EBADMSG, "Malformed %s: field \"GPU UUID\" is \"%s\", expected GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                                       path, value[NV_UUID]);

        const char *m = value[NV_MINOR];
        char *endp = NULL;
        errno = 0;
        long minor = strtol(m, &endp, 10);
        if (!isdigit((unsigned char) m[0]) || errno != 0 || *endp || minor < 0 || minor > NV_MINOR_MAX)
                return log_error_errno(-EBADMSG, "Malformed %s: field \"Device Minor\" is \"%s\", expected 0..%d",
                                       path, m, NV_MINOR_MAX);

        if (seen[NV_BUS] && strcasecmp(value[NV_BUS], g->pci_addr) != 0)
                return log_error_errno(-EBADMSG, "Inconsistent %s: \"Bus Location\" is %s but the file describes %s",
                                       path, value[NV_BUS], g->pci_addr);

        bool excluded = false;
        if (seen[NV_EXCLUDED]) {
                if (!streq(value[NV_EXCLUDED], "Yes") && !streq(value[NV_EXCLUDED], "No"))
                        return log_error_errno(-EBADMSG, "Malformed %s: field \"GPU Excluded\" is \"%s\", expected Yes or No",
                                               path, value[NV_EXCLUDED]);
                excluded = streq(value[NV_EXCLUDED], "Yes");
        }

        g->nv_minor = (int) minor;
        g->nv_excluded = excluded;
        strcpy(g->nv_model, model);
        strcpy(g->nv_uuid, value[NV_UUID]);
        return 0;
}

static int read_proc(const char *proc_root, const char *rel, char **ret_path, char **ret_text, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        int r = path_join(proc_root, rel, &path);
        if (r < 0)
                return r;
        r = read_file(path, NV_PROC_MAX, ret_text, ret_size);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to read %s: %m", path);
        *ret_path = TAKE_PTR(path);
        return r;
}

static int nvidia_probe_gpu(const char *proc_root, int dev_fd, const char *version, int nv_major, struct gpu *g) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t size;
        char rel[128];
        int r;

        snprintf(rel, sizeof rel, "driver/nvidia/gpus/%s/information", g->pci_addr);
        r = read_proc(proc_root, rel, &path, &text, &size);
        if (r == -ENOENT) {
                /* Bound to nvidia, the driver must have published it: /proc is another host's or stale. */
                if (streq(g->driver, "nvidia"))
                        return log_error_errno(-EBADMSG, "GPU %s is bound to the nvidia driver but %s does not exist; "
                                               "check --proc-root, or reload the nvidia module", g->pci_addr, path);
                return 0; /* unbound, vfio-pci, nouveau: no NVIDIA details */
        }
        if (r < 0)
                return r;

        struct gpu parsed = *g;
        r = nvidia_parse_gpu_info(text, size, path, &parsed);
        if (r < 0)
                return r;
        if (!version[0])
                return log_error_errno(-EBADMSG, "%s exists but %s/driver/nvidia/version does not; check --proc-root",
                                       path, proc_root);

        char name[32];
        snprintf(name, sizeof name, "nvidia%d", parsed.nv_minor);
        r = devnode_check(dev_fd, name, nv_major, nv_major >= 0 ? parsed.nv_minor : -1, &parsed.nv_node);
        if (r < 0)
                return log_error_errno(r, "Failed to stat /dev/%s under the dev root: %m", name);
        *g = parsed;
        return 0;
}

int nvidia_probe(const char *proc_root, int dev_fd, struct host *h) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t size;
        int r;

        r = read_proc(proc_root, "driver/nvidia/version", &path, &text, &size);
        if (r >= 0) {
                r = nvidia_parse_version(text, size, path, h->nv_driver_version, sizeof h->nv_driver_version);
                if (r < 0)
                        return r;
        } else if (r != -ENOENT)
                return r;

        for (size_t i = 0; i < h->n_gpus; i++) {
                struct gpu *g = &h->gpus[i];
                if (g->vendor != GPU_VENDOR_NVIDIA)
                        continue;
                r = nvidia_probe_gpu(proc_root, dev_fd, h->nv_driver_version, host_chrdev_major(h, "nvidia"), g);
                if (r < 0)
                        return r;
                if (g->nv_minor < 0)
                        continue;
                for (size_t j = 0; j < i; j++) {
                        const struct gpu *o = &h->gpus[j];
                        if (o->vendor != GPU_VENDOR_NVIDIA || o->nv_minor < 0)
                                continue;
                        if (o->nv_minor == g->nv_minor || streq(o->nv_uuid, g->nv_uuid))
                                return log_error_errno(-EBADMSG, "Inconsistent %s/driver/nvidia/gpus: %s and %s report the same %s",
                                                       proc_root, o->pci_addr, g->pci_addr,
                                                       o->nv_minor == g->nv_minor ? "Device Minor" : "GPU UUID");
                }
        }

        struct devnode nodes[ELEMENTSOF(nv_control_nodes)];
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(nv_control_nodes); i++) {
                int major = host_chrdev_major(h, nv_control_nodes[i].chrdev);
                if (major < 0 && streq(nv_control_nodes[i].chrdev, "nvidiactl"))
                        major = host_chrdev_major(h, "nvidia"); /* older drivers list only "nvidia" */
                r = devnode_check(dev_fd, nv_control_nodes[i].name, major, major >= 0 ? (int) nv_control_nodes[i].minor : -1,
                                  &nodes[n]);
                if (r < 0)
                        return log_error_errno(r, "Failed to stat /dev/%s under the dev root: %m", nv_control_nodes[i].name);
                /* Neither the kernel nor /dev has it: nothing to report. */
                if (nodes[n].state == DEVNODE_MISSING && major < 0)
                        continue;
                n++;
        }
        if (n > 0) {
                h->nv_ctl_nodes = malloc(n * sizeof(struct devnode));
                if (!h->nv_ctl_nodes)
                        return -ENOMEM;
                memcpy(h->nv_ctl_nodes, nodes, n * sizeof(struct devnode));
                h->n_nv_ctl_nodes = n;
        }
        return 0;
}
