/* DRM render nodes of any driver: virtio-gpu in VMs (podman machine's libkrun provider), Apple's
 * AGX on Asahi Linux, Arm SoC GPUs (panfrost, panthor, msm, v3d), and PCI GPUs whose driver is not
 * one the vendor specs serve. Read from <sysfs>/class/drm with a plain directory walk, which reads
 * the real /sys and fake trees alike; no ioctls, no vendor libraries. */
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "probe-internal.h"
#include "util.h"

/* The last path component of a symlink's target ("../../../bus/platform/drivers/asahi" -> "asahi"). */
static int link_basename(const char *link, char *ret, size_t ret_size) {
        char target[PATH_MAX];
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k < 0)
                return -errno;
        target[k] = 0;
        const char *b = strrchr(target, '/');
        b = b ? b + 1 : target;
        if (!*b || strlen(b) >= ret_size)
                return -EBADMSG;
        strcpy(ret, b);
        return 0;
}

/* Whether a vendor spec serves a node of this driver (nvidia, amdgpu, i915, xe). */
static bool driver_has_vendor_spec(const char *driver) {
        for (unsigned v = 0; v < _GPU_VENDOR_MAX; v++) {
                struct gpu g = { .vendor = (enum gpu_vendor) v };
                snprintf(g.driver, sizeof g.driver, "%s", driver);
                if (gpu_driver_usable(&g))
                        return true;
        }
        return false;
}

/* The name udev's path_id gives the device ("pci-0000:00:02.0", "platform-206400000.gpu"): a
 * virtio device is named after the PCI function it sits on, as path_id skips the virtio bus. */
static int stable_id(const char *devpath, const char *bus, char *ret, size_t ret_size) {
        const char *name = strrchr(devpath, '/');
        name = name ? name + 1 : devpath;
        if (streq(bus, "virtio")) {
                _cleanup_free_ char *parent = strdup(devpath);
                if (!parent)
                        return -ENOMEM;
                *strrchr(parent, '/') = 0; /* realpath(): absolute, so there is a '/' */
                /* virtio-pci's PCI function, or virtio-mmio's platform device */
                char link[PATH_MAX], pbus[32];
                if (snprintf(link, sizeof link, "%s/subsystem", parent) >= (int) sizeof link ||
                    link_basename(link, pbus, sizeof pbus) < 0 || streq(pbus, "virtio"))
                        return -ENOENT;
                return stable_id(parent, pbus, ret, ret_size);
        }
        return snprintf(ret, ret_size, "%s-%s", bus, name) < (int) ret_size ? 0 : -ENAMETOOLONG;
}

static int render_compare(const void *a, const void *b) {
        int x = ((const struct render_gpu *) a)->minor, y = ((const struct render_gpu *) b)->minor;
        return (x > y) - (x < y);
}

/* One class/drm entry; 0 without adding anything for what is not a render node we can serve. */
static int render_add(const char *class_dir, const char *name, int dev_fd, struct render_gpu **list, size_t *n) {
        if (!startswith(name, "renderD"))
                return 0;
        const char *num = name + strlen("renderD");
        if (!*num || strlen(num) > 4 || strspn(num, "0123456789") != strlen(num))
                return 0;

        struct render_gpu r = { .minor = atoi(num) };
        char link[PATH_MAX], dev[PATH_MAX], sub[PATH_MAX];
        if (snprintf(link, sizeof link, "%s/%s/device", class_dir, name) >= (int) sizeof link)
                return 0;
        if (!realpath(link, dev))
                return errno == ENOENT ? 0 : log_error_errno(-errno, "Failed to resolve %s: %m", link);

        if (snprintf(sub, sizeof sub, "%s/driver", dev) >= (int) sizeof sub)
                return 0;
        int k = link_basename(sub, r.driver, sizeof r.driver);
        if (k == -ENOENT)
                return 0; /* no driver bound: nothing renders */
        if (k < 0)
                return log_error_errno(k, "Malformed %s: not a driver link; check the sysfs tree (--sysfs-root)", sub);
        if (driver_has_vendor_spec(r.driver))
                return 0;
        if (snprintf(sub, sizeof sub, "%s/subsystem", dev) >= (int) sizeof sub)
                return 0;
        k = link_basename(sub, r.bus, sizeof r.bus);
        if (k < 0 && k != -ENOENT)
                return log_error_errno(k, "Malformed %s: not a bus link; check the sysfs tree (--sysfs-root)", sub);
        /* Without a bus there is no stable name, only the index. */
        if (k < 0 || stable_id(dev, r.bus, r.id, sizeof r.id) < 0)
                r.id[0] = 0;

        /* Only nodes the host has, with the numbers sysfs gives: a spec naming a missing or stale
         * node makes podman fail every container that asks for it. */
        char rel[64];
        snprintf(rel, sizeof rel, "dri/%s", name);
        if (snprintf(sub, sizeof sub, "%s/%s/dev", class_dir, name) >= (int) sizeof sub)
                return 0;
        dev_t want = sysfs_read_devnum(sub);
        k = devnode_check(dev_fd, rel, want ? (int) major(want) : -1, want ? (int) minor(want) : -1, &r.node);
        if (k < 0)
                return log_error_errno(k, "Failed to stat the dev root's %s: %m", rel);
        if (r.node.state == DEVNODE_MISSING)
                return 0;
        if (r.node.state != DEVNODE_OK) {
                log_warning("%s (%s) left out: %s is %s", name, r.driver, r.node.path, devnode_state_name(r.node.state));
                return 0;
        }

        struct render_gpu *nl = realloc(*list, (*n + 1) * sizeof **list);
        if (!nl)
                return -ENOMEM;
        *list = nl;
        nl[(*n)++] = r;
        return 0;
}

int render_probe(const char *sysfs_root, int dev_fd, struct host *h) {
        _cleanup_free_ char *class_dir = NULL;
        int r = path_join(sysfs_root, "class/drm", &class_dir);
        if (r < 0)
                return r;
        _cleanup_closedir_ DIR *dir = opendir(class_dir);
        if (!dir)
                return errno == ENOENT ? 0 : log_error_errno(-errno, "Failed to open %s: %m", class_dir);

        struct render_gpu *list = NULL;
        size_t n = 0;
        struct dirent *de;
        while (r >= 0 && (de = readdir(dir)))
                r = render_add(class_dir, de->d_name, dev_fd, &list, &n);
        if (r < 0) {
                free(list);
                return r;
        }
        if (n > 1)
                qsort(list, n, sizeof *list, render_compare);
        h->render_gpus = list;
        h->n_render_gpus = n;
        return 0;
}
