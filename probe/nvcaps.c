/* NVIDIA capabilities without NVML: MIG instances from /proc/driver/nvidia/capabilities (the layout
 * of NVIDIA's MIG user guide, "Device Nodes and Capabilities"):
 *     gpu<minor>/mig/gi<G>/access         DeviceFileMinor: the GPU instance's capability minor
 *     gpu<minor>/mig/gi<G>/ci<C>/access   DeviceFileMinor: the compute instance's
 * each a node /dev/nvidia-caps/nvidia-cap<minor> under the "nvidia-caps" major; and the IMEX
 * channel nodes /dev/nvidia-caps-imex-channels/channel<N> ("nvidia-caps-imex-channels" major). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "probe-internal.h"
#include "util.h"

#define NV_CAP_FILE_MAX 4096
#define NV_CAP_MINOR_MAX (1u << 20)
#define NV_MIG_MAX 64          /* per GPU; an H100 has at most 7 GIs, each with at most 7 CIs */
#define NV_IMEX_CHANNELS_MAX 2048

static int parse_uint(const char *s, unsigned max, unsigned *ret) {
        char *end = NULL;
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno != 0 || *end || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* "DeviceFileMinor: 1\nDeviceFileMode: 256\nDeviceFileModify: 1\n" */
int nvidia_caps_parse(const char *text, size_t size, const char *path, unsigned *ret_minor, mode_t *ret_mode) {
        static const char *const keys[] = { "DeviceFileMinor", "DeviceFileMode" };
        unsigned value[ELEMENTSOF(keys)];
        bool seen[ELEMENTSOF(keys)] = {};

        if (strlen(text) != size)
                return log_error_errno(-EBADMSG, "Malformed %s: contains NUL bytes", path);
        if (size == 0 || text[size - 1] != '\n')
                return log_error_errno(-EBADMSG, "Malformed %s: empty or truncated", path);
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *colon = strchr(line, ':');
                if (!colon)
                        continue;
                *colon = 0;
                const char *key = strstrip(line), *val = strstrip(colon + 1);
                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        if (!streq(key, keys[k]))
                                continue;
                        if (seen[k])
                                return log_error_errno(-EBADMSG, "Malformed %s: field \"%s\" appears twice", path, key);
                        if (parse_uint(val, k == 0 ? NV_CAP_MINOR_MAX : 0777, &value[k]) < 0)
                                return log_error_errno(-EBADMSG, "Malformed %s: field \"%s\" is \"%s\"", path, key, val);
                        seen[k] = true;
                }
        }
        for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                if (!seen[k])
                        return log_error_errno(-EBADMSG, "Malformed %s: field \"%s\" is missing", path, keys[k]);
        *ret_minor = value[0];
        *ret_mode = (mode_t) value[1];
        return 0;
}

/* One access file: its capability minor and mode, and its node checked under the dev root. */
static int read_access(const char *path, int dev_fd, int caps_major, struct devnode *ret_node, mode_t *ret_mode) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_file(path, NV_CAP_FILE_MAX, &text, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        unsigned minor;
        r = nvidia_caps_parse(text, size, path, &minor, ret_mode);
        if (r < 0)
                return r;
        char name[64];
        snprintf(name, sizeof name, "nvidia-caps/nvidia-cap%u", minor);
        r = devnode_check(dev_fd, name, caps_major, caps_major >= 0 ? (int) minor : -1, ret_node);
        if (r < 0)
                return log_error_errno(r, "Failed to stat /dev/%s under the dev root: %m", name);
        return 0;
}

/* The numbers N of the entries "<prefix>N" of dir, sorted; a missing dir has none. */
static int numbered_entries(const char *dir, const char *prefix, unsigned max_n, unsigned **ret, size_t *ret_n) {
        _cleanup_closedir_ DIR *d = opendir(dir);
        if (!d) {
                *ret = NULL;
                *ret_n = 0;
                return errno == ENOENT || errno == ENOTDIR ? 0 : log_error_errno(-errno, "Failed to open %s: %m", dir);
        }
        _cleanup_free_ unsigned *v = NULL;
        size_t n = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                unsigned x;
                if (!startswith(de->d_name, prefix) || parse_uint(de->d_name + strlen(prefix), NV_CAP_MINOR_MAX, &x) < 0)
                        continue;
                if (n >= max_n) {
                        r = log_error_errno(-E2BIG, "%s has more than %u %s entries", dir, max_n, prefix);
                        break;
                }
                unsigned *m = reallocarray(v, n + 1, sizeof *v);
                if (!m) {
                        r = -ENOMEM;
                        break;
                }
                v = m;
                v[n++] = x;
        }
        if (r < 0)
                return r;
        for (size_t i = 1; i < n; i++) /* insertion sort: a handful of entries */
                for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
                        unsigned t = v[j];
                        v[j] = v[j - 1];
                        v[j - 1] = t;
                }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static int probe_gpu_migs(const char *caps_dir, int dev_fd, int caps_major, struct gpu *g) {
        _cleanup_free_ char *mig_dir = strprintf("%s/gpu%d/mig", caps_dir, g->nv_minor);
        _cleanup_free_ unsigned *gis = NULL;
        size_t n_gis;
        if (!mig_dir)
                return -ENOMEM;
        int r = numbered_entries(mig_dir, "gi", NV_MIG_MAX, &gis, &n_gis);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n_gis; i++) {
                _cleanup_free_ char *gi_dir = strprintf("%s/gi%u", mig_dir, gis[i]);
                _cleanup_free_ char *gi_access = strprintf("%s/gi%u/access", mig_dir, gis[i]);
                _cleanup_free_ unsigned *cis = NULL;
                size_t n_cis;
                if (!gi_dir || !gi_access)
                        return -ENOMEM;
                struct mig_instance base = { .gi = gis[i] };
                r = read_access(gi_access, dev_fd, caps_major, &base.gi_cap, &base.gi_mode);
                if (r < 0)
                        return r;
                r = numbered_entries(gi_dir, "ci", NV_MIG_MAX, &cis, &n_cis);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < n_cis; k++) {
                        _cleanup_free_ char *ci_access = strprintf("%s/ci%u/access", gi_dir, cis[k]);
                        if (!ci_access)
                                return -ENOMEM;
                        if (g->n_migs >= NV_MIG_MAX)
                                return log_error_errno(-E2BIG, "%s has more than %u compute instances", mig_dir, NV_MIG_MAX);
                        struct mig_instance m = base;
                        m.ci = cis[k];
                        r = read_access(ci_access, dev_fd, caps_major, &m.ci_cap, &m.ci_mode);
                        if (r < 0)
                                return r;
                        struct mig_instance *v = reallocarray(g->migs, g->n_migs + 1, sizeof *v);
                        if (!v)
                                return -ENOMEM;
                        g->migs = v;
                        g->migs[g->n_migs++] = m;
                }
        }
        return 0;
}

static int probe_imex_channels(int dev_fd, struct host *h) {
        static const char dir[] = "nvidia-caps-imex-channels";
        int fd = openat(dev_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : log_error_errno(-errno, "Failed to open /dev/%s: %m", dir);
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
        _cleanup_free_ unsigned *v = NULL;
        size_t n;
        int r = numbered_entries(self, "channel", NV_IMEX_CHANNELS_MAX, &v, &n);
        close(fd);
        if (r < 0)
                return r;
        if (n == 0)
                return 0;
        int major = host_chrdev_major(h, "nvidia-caps-imex-channels");
        h->imex_channels = calloc(n, sizeof *h->imex_channels);
        if (!h->imex_channels)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char name[64];
                snprintf(name, sizeof name, "%s/channel%u", dir, v[i]);
                r = devnode_check(dev_fd, name, major, major >= 0 ? (int) v[i] : -1, &h->imex_channels[i]);
                if (r < 0)
                        return log_error_errno(r, "Failed to stat /dev/%s under the dev root: %m", name);
                h->n_imex_channels++;
        }
        return 0;
}

int nvidia_probe_caps(const char *proc_root, int dev_fd, struct host *h) {
        h->nv_caps_major = host_chrdev_major(h, "nvidia-caps");
        if (!h->nv_driver_version[0])
                return 0;
        _cleanup_free_ char *caps_dir = NULL;
        int r = path_join(proc_root, "driver/nvidia/capabilities", &caps_dir);
        if (r < 0)
                return r;
        for (size_t i = 0; i < h->n_gpus; i++) {
                struct gpu *g = &h->gpus[i];
                if (g->vendor != GPU_VENDOR_NVIDIA || g->nv_minor < 0 || !gpu_driver_usable(g))
                        continue;
                r = probe_gpu_migs(caps_dir, dev_fd, h->nv_caps_major, g);
                if (r < 0)
                        return r;
        }
        return probe_imex_channels(dev_fd, h);
}
