/* NVIDIA's device nodes made the way nvidia-modprobe makes them: the kernel module registers the
 * majors (/proc/devices) but only nvidia-modprobe or udev rules of the driver package create
 * /dev/nvidia-uvm and friends, often not at all on headless servers. */
#include <fcntl.h>
#include <sys/stat.h>

#include "probe-internal.h"
#include "util.h"

/* nvidia-modprobe's default: root:root 0666 (NVreg_DeviceFileMode), capabilities as their procfs file says. */
#define NV_NODE_MODE 0666

static int create_one(int dev_fd, const char *dev_root, struct devnode *n, mode_t mode, size_t *created) {
        if (n->state == DEVNODE_OK || n->want_major < 0 || n->want_minor < 0 || !n->path[0])
                return 0;
        const char *name = n->path + strlen("/dev/");
        int r = devnode_create(dev_fd, name, (unsigned) n->want_major, (unsigned) n->want_minor, mode);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s/%s (c %d:%d): %m", dev_root, name, n->want_major, n->want_minor);
        log_msg("notice", "created %s/%s (c %d:%d, mode %04o)", dev_root, name, n->want_major, n->want_minor,
                (unsigned) mode);
        (*created)++;
        return devnode_check(dev_fd, name, n->want_major, n->want_minor, n);
}

int nvidia_create_nodes(const struct probe_roots *roots, struct host *h, size_t *ret_created) {
        const char *dev = roots && roots->dev ? roots->dev : "/dev";
        size_t created = 0;
        int r;

        _cleanup_close_ int dev_fd = open(dev, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dev_fd < 0)
                return log_error_errno(-errno, "Cannot use %s as dev root (--dev-root): %m", dev);

        for (size_t i = 0; i < h->n_nv_ctl_nodes; i++)
                if ((r = create_one(dev_fd, dev, &h->nv_ctl_nodes[i], NV_NODE_MODE, &created)) < 0)
                        return r;
        for (size_t i = 0; i < h->n_gpus; i++) {
                struct gpu *g = &h->gpus[i];
                if (g->vendor != GPU_VENDOR_NVIDIA || !gpu_driver_usable(g))
                        continue;
                if ((r = create_one(dev_fd, dev, &g->nv_node, NV_NODE_MODE, &created)) < 0)
                        return r;
                for (size_t k = 0; k < g->n_migs; k++) {
                        struct mig_instance *m = &g->migs[k];
                        if ((r = create_one(dev_fd, dev, &m->gi_cap, m->gi_mode, &created)) < 0 ||
                            (r = create_one(dev_fd, dev, &m->ci_cap, m->ci_mode, &created)) < 0)
                                return r;
                }
        }
        *ret_created = created;
        return 0;
}
