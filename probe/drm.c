/* DRM card/render nodes of each GPU, mapped through sysfs (a drm node's `device` link leads to its
 * PCI device), never through ioctls. libudev reads the real /sys (and what umockdev puts there); a
 * plain directory walk reads fake trees; both feed drm_record(). */
#include <dirent.h>
#include <fcntl.h>
#include <libudev.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <xf86drm.h>

#include "probe-internal.h"
#include "util.h"

enum drm_node_type { DRM_CARD, DRM_RENDER };

static const struct {
        const char *prefix;
        enum drm_node_type type;
} drm_node_names[] = {
        { "card", DRM_CARD },       /* card0 .. card63; "card0-DP-1" connectors fail the digit check */
        { "renderD", DRM_RENDER },  /* renderD128 .. */
};

/* "card1" -> DRM_CARD, 1. The kernel names each minor after its number, so the name carries it. */
static int drm_node_parse(const char *name, enum drm_node_type *ret_type, int *ret_minor) {
        for (size_t i = 0; i < ELEMENTSOF(drm_node_names); i++) {
                if (!startswith(name, drm_node_names[i].prefix))
                        continue;
                const char *p = name + strlen(drm_node_names[i].prefix);
                if (*p < '0' || *p > '9' || strlen(p) > 4)
                        return -EINVAL;
                for (const char *q = p; *q; q++)
                        if (*q < '0' || *q > '9')
                                return -EINVAL;
                *ret_type = drm_node_names[i].type;
                *ret_minor = atoi(p);
                return 0;
        }
        return -EINVAL;
}

static struct gpu *gpu_find(struct gpu *gpus, size_t n, const char *pci_addr) {
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(gpus[i].pci_addr, pci_addr) == 0)
                        return &gpus[i];
        return NULL;
}

/* The one place that attaches a node to a GPU, whichever enumeration found it. devnum is the
 * kernel's number for it (the sysfs `dev` attribute), 0 if it has none. */
static void drm_record(struct gpu *gpus, size_t n, const char *pci_addr, const char *node_name, dev_t devnum) {
        enum drm_node_type type;
        int minor;

        if (drm_node_parse(node_name, &type, &minor) < 0)
                return;
        struct gpu *g = gpu_find(gpus, n, pci_addr);
        if (!g)
                return; /* a DRM device that is not one of our GPUs (virtio, simpledrm, ...) */

        char *node = type == DRM_CARD ? g->card_node : g->render_node;
        int *node_minor = type == DRM_CARD ? &g->card_minor : &g->render_minor;
        /* One node of each type per device; should sysfs show two, keep the lowest so output is stable. */
        if (*node_minor >= 0 && *node_minor <= minor)
                return;
        snprintf(node, NODE_PATH_MAX, "/dev/dri/%s", node_name);
        *node_minor = minor;
        struct devnode *dn = type == DRM_CARD ? &g->card : &g->render;
        dn->want_major = devnum ? (int) major(devnum) : -1;
        dn->want_minor = devnum ? (int) minor(devnum) : -1;
}

/* The sysfs `dev` attribute, "226:1". 0 when absent or malformed: such a node cannot be confirmed. */
dev_t sysfs_read_devnum(const char *path) {
        _cleanup_free_ char *line = NULL;
        unsigned ma, mi;
        char extra;
        if (read_line(path, &line) < 0 || sscanf(line, "%u:%u%c", &ma, &mi, &extra) != 2)
                return 0;
        return makedev(ma, mi);
}

/* The PCI device a sysfs device path belongs to: the last path component that is a PCI address
 * (a virtio GPU's drm node hangs below .../0000:00:02.0/virtio0). */
static int pci_addr_of_syspath(const char *path, char *ret, size_t ret_size) {
        _cleanup_free_ char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        for (;;) {
                char *slash = strrchr(copy, '/');
                const char *comp = slash ? slash + 1 : copy;
                unsigned d, b, s, f;
                if (pci_addr_parse(comp, &d, &b, &s, &f) >= 0) {
                        if (strlen(comp) >= ret_size)
                                return -ENAMETOOLONG;
                        strcpy(ret, comp);
                        return 0;
                }
                if (!slash)
                        return -ENOENT;
                *slash = 0;
        }
}

int drm_scan_udev(struct gpu *gpus, size_t n) {
        struct udev *udev = udev_new();
        if (!udev)
                return -ENOMEM;
        struct udev_enumerate *e = udev_enumerate_new(udev);
        int r = e ? 0 : -ENOMEM;
        if (r >= 0)
                r = udev_enumerate_add_match_subsystem(e, "drm");
        if (r >= 0)
                r = udev_enumerate_scan_devices(e);
        if (r >= 0) {
                struct udev_list_entry *item;
                udev_list_entry_foreach(item, udev_enumerate_get_list_entry(e)) {
                        struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(item));
                        if (!d)
                                continue;
                        struct udev_device *pci = udev_device_get_parent_with_subsystem_devtype(d, "pci", NULL);
                        const char *sysname = udev_device_get_sysname(d);
                        if (pci && sysname)
                                drm_record(gpus, n, udev_device_get_sysname(pci), sysname, udev_device_get_devnum(d));
                        udev_device_unref(d); /* also drops pci, which d owns */
                }
        }
        udev_enumerate_unref(e);
        udev_unref(udev);
        return r;
}

int drm_scan_sysfs(const char *sysfs_root, struct gpu *gpus, size_t n) {
        _cleanup_free_ char *class_dir = NULL;
        int r = path_join(sysfs_root, "class/drm", &class_dir);
        if (r < 0)
                return r;
        _cleanup_closedir_ DIR *dir = opendir(class_dir);
        if (!dir)
                return errno == ENOENT ? 0 : log_error_errno(-errno, "Failed to open %s: %m", class_dir);

        struct dirent *de;
        while ((de = readdir(dir))) {
                enum drm_node_type type;
                int minor;
                if (drm_node_parse(de->d_name, &type, &minor) < 0)
                        continue;

                char link[PATH_MAX], real[PATH_MAX], pci_addr[PCI_ADDR_MAX], dev[PATH_MAX];
                if (snprintf(link, sizeof link, "%s/%s/device", class_dir, de->d_name) >= (int) sizeof link)
                        continue;
                if (!realpath(link, real)) {
                        if (errno == ENOENT)
                                continue; /* a node without a device (virtual DRM drivers) */
                        r = log_error_errno(-errno, "Failed to resolve %s: %m", link);
                        break;
                }
                if (pci_addr_of_syspath(real, pci_addr, sizeof pci_addr) < 0)
                        continue;
                snprintf(dev, sizeof dev, "%s/%s/dev", class_dir, de->d_name);
                drm_record(gpus, n, pci_addr, de->d_name, sysfs_read_devnum(dev));
        }
        return r;
}

/* /dev/dri/by-path/pci-<addr>-{card,render}, as udev names them, when the dev root has them. */
static void drm_by_path(int dev_fd, struct gpu *g) {
        static const char *const suffix[] = { "card", "render" };
        char *const dest[] = { g->by_path_card, g->by_path_render };
        for (size_t i = 0; i < ELEMENTSOF(suffix); i++) {
                char rel[NODE_PATH_MAX - sizeof "/dev/"];
                struct stat st;
                if (snprintf(rel, sizeof rel, "dri/by-path/pci-%s-%s", g->pci_addr, suffix[i]) >= (int) sizeof rel)
                        continue;
                if (fstatat(dev_fd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                snprintf(dest[i], NODE_PATH_MAX, "/dev/%s", rel);
        }
}

/* libdrm lists the devices behind the real /dev/dri nodes. It reads sysfs, not the devices, so it
 * works unprivileged; when it fails (no /dev/dri, old kernel) the sysfs mapping stands unconfirmed. */
static void drm_confirm(struct gpu *gpus, size_t n) {
        drmDevicePtr devs[256];
        int k = drmGetDevices2(0, devs, (int) ELEMENTSOF(devs));
        if (k <= 0)
                return;
        for (int i = 0; i < k; i++) {
                const drmDevice *d = devs[i];
                if (d->bustype != DRM_BUS_PCI || !d->businfo.pci)
                        continue;
                char addr[PCI_ADDR_MAX];
                snprintf(addr, sizeof addr, "%04x:%02x:%02x.%u", d->businfo.pci->domain, d->businfo.pci->bus,
                         d->businfo.pci->dev, (unsigned) d->businfo.pci->func);
                struct gpu *g = gpu_find(gpus, n, addr);
                if (!g || (!g->card_node[0] && !g->render_node[0]))
                        continue;
                bool same_card = !g->card_node[0] ||
                                 ((d->available_nodes & (1 << DRM_NODE_PRIMARY)) && streq(d->nodes[DRM_NODE_PRIMARY], g->card_node));
                bool same_render = !g->render_node[0] ||
                                   ((d->available_nodes & (1 << DRM_NODE_RENDER)) && streq(d->nodes[DRM_NODE_RENDER], g->render_node));
                g->drm_confirmed = same_card && same_render;
        }
        drmFreeDevices(devs, k);
}

static bool path_is(const char *path, const char *expected) {
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
                n--;
        return strlen(expected) == n && strncmp(path, expected, n) == 0;
}

int drm_attach_nodes(const char *sysfs_root, const char *dev_root, int dev_fd, struct gpu *gpus, size_t n) {
        if (n == 0)
                return 0;

        bool real_sysfs = path_is(sysfs_root, "/sys");
        int r = -ENXIO;
        if (real_sysfs)
                r = drm_scan_udev(gpus, n);
        if (r < 0) /* a fake tree, or libudev unusable: the same links read directly */
                r = drm_scan_sysfs(sysfs_root, gpus, n);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                struct gpu *g = &gpus[i];
                if (g->card_node[0] || g->render_node[0])
                        drm_by_path(dev_fd, g);
                /* The node must be what the kernel registered: udev may not have made it yet (boot),
                 * or a stale one may stand there. */
                const char *names[] = { g->card_node, g->render_node };
                struct devnode *dn[] = { &g->card, &g->render };
                for (size_t k = 0; k < ELEMENTSOF(names); k++) {
                        if (!names[k][0])
                                continue;
                        r = devnode_check(dev_fd, names[k] + strlen("/dev/"), dn[k]->want_major, dn[k]->want_minor, dn[k]);
                        if (r < 0)
                                return log_error_errno(r, "Failed to stat %s under %s: %m", names[k], dev_root);
                }
        }

        /* libdrm only knows the real /sys and /dev: its answer means nothing for injected roots. */
        if (real_sysfs && path_is(dev_root, "/dev"))
                drm_confirm(gpus, n);
        return 0;
}
