/* probe_host(): PCI GPUs, then their DRM nodes, then vendor details, each from its own module. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "probe-internal.h"
#include "util.h"

static const struct {
        const char *name;
        const char *domain;
        uint16_t pci_id;
        /* Kernel drivers under which containers can use the GPU; one bound elsewhere (vfio-pci for
         * VMs, nouveau, none) is listed by probe but gets no CDI device. */
        const char *usable_drivers[3];
} vendor_table[_GPU_VENDOR_MAX] = {
        [GPU_VENDOR_NVIDIA] = { "nvidia", "nvidia.com", 0x10de, { "nvidia" } },
        [GPU_VENDOR_AMD] = { "amd", "amd.com", 0x1002, { "amdgpu" } },
        [GPU_VENDOR_INTEL] = { "intel", "intel.com", 0x8086, { "i915", "xe" } },
};

bool gpu_driver_usable(const struct gpu *g) {
        if (g->nv_excluded)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(vendor_table[0].usable_drivers); i++) {
                const char *d = vendor_table[g->vendor].usable_drivers[i];
                if (d && streq(g->driver, d))
                        return true;
        }
        return false;
}

const char *gpu_vendor_name(enum gpu_vendor v) {
        return (unsigned) v < _GPU_VENDOR_MAX ? vendor_table[v].name : NULL;
}

const char *gpu_vendor_domain(enum gpu_vendor v) {
        return (unsigned) v < _GPU_VENDOR_MAX ? vendor_table[v].domain : NULL;
}

int gpu_vendor_from_name(const char *name, enum gpu_vendor *ret) {
        for (unsigned v = 0; v < _GPU_VENDOR_MAX; v++)
                if (streq(name, vendor_table[v].name)) {
                        *ret = (enum gpu_vendor) v;
                        return 0;
                }
        return -ENOENT;
}

int gpu_vendor_from_pci_id(uint16_t pci_vendor_id, enum gpu_vendor *ret) {
        for (unsigned v = 0; v < _GPU_VENDOR_MAX; v++)
                if (pci_vendor_id == vendor_table[v].pci_id) {
                        *ret = (enum gpu_vendor) v;
                        return 0;
                }
        return -ENOENT;
}

static int check_root_dir(const char *path, const char *option) {
        struct stat st;
        if (stat(path, &st) < 0)
                return log_error_errno(-errno, "Cannot use %s as %s: %m", path, option);
        if (!S_ISDIR(st.st_mode))
                return log_error_errno(-ENOTDIR, "Cannot use %s as %s: %m", path, option);
        return 0;
}

void host_free(struct host *h) {
        if (!h)
                return;
        for (size_t i = 0; i < h->n_gpus; i++)
                free(h->gpus[i].migs);
        free(h->gpus);
        free(h->nv_ctl_nodes);
        free(h->imex_channels);
        free(h->chrdevs);
        free(h->render_gpus);
        free(h);
}

size_t host_count_vendor(const struct host *h, enum gpu_vendor v) {
        size_t n = 0;
        for (size_t i = 0; i < h->n_gpus; i++)
                if (h->gpus[i].vendor == v)
                        n++;
        return n;
}

int probe_host(const struct probe_roots *roots, struct host **ret) {
        const char *sysfs = roots && roots->sysfs ? roots->sysfs : "/sys";
        const char *proc = roots && roots->proc ? roots->proc : "/proc";
        const char *dev = roots && roots->dev ? roots->dev : "/dev";
        int r;

        /* A mistyped root must not look like a host without GPUs. */
        r = check_root_dir(sysfs, "sysfs root (--sysfs-root)");
        if (r < 0)
                return r;
        r = check_root_dir(proc, "proc root (--proc-root)");
        if (r < 0)
                return r;
        _cleanup_close_ int dev_fd = open(dev, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dev_fd < 0)
                return log_error_errno(-errno, "Cannot use %s as dev root (--dev-root): %m", dev);

        _cleanup_(host_freep) struct host *h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;

        h->nv_caps_major = -1;
        r = proc_devices_read(proc, h);
        if (r < 0)
                return r;

        r = pci_enumerate_gpus(sysfs, &h->gpus, &h->n_gpus);
        if (r < 0)
                return r;

        r = drm_attach_nodes(sysfs, dev, dev_fd, h->gpus, h->n_gpus);
        if (r < 0)
                return r;

        r = nvidia_probe(proc, dev_fd, h);
        if (r < 0)
                return r;

        r = nvidia_probe_caps(proc, dev_fd, h);
        if (r < 0)
                return r;

        /* amdkfd registers one minor, 0, under its dynamic "kfd" major. */
        int kfd_major = host_chrdev_major(h, "kfd");
        r = devnode_check(dev_fd, "kfd", kfd_major, kfd_major >= 0 ? 0 : -1, &h->kfd_node);
        if (r < 0)
                return log_error_errno(r, "Failed to stat %s/kfd: %m", dev);
        if (h->kfd_node.state == DEVNODE_MISSING && kfd_major < 0)
                h->kfd_node.path[0] = 0; /* neither the kernel nor /dev has it */
        h->has_kfd = h->kfd_node.state != DEVNODE_MISSING;

        r = render_probe(sysfs, dev_fd, h);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(h);
        return 0;
}
