/* Interfaces between the probe modules (pci.c, drm.c, nvidia.c, probe.c); not for other libraries.
 * Named so that it cannot shadow a system header (libdrm puts drm.h on the include path). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <sys/stat.h>
#include <sys/types.h>

#include "probe.h"

/* pci.c: display/3D/VGA devices of the known vendors under <sysfs>/bus/pci, sorted by address. A
 * sysfs tree without bus/pci/devices has no GPUs; anything libpci cannot read is -EBADMSG. */
int pci_enumerate_gpus(const char *sysfs_root, struct gpu **ret_gpus, size_t *ret_n);
/* "0000:00:06.0" -> numbers; -EINVAL unless the whole string is an address. */
int pci_addr_parse(const char *s, unsigned *ret_domain, unsigned *ret_bus, unsigned *ret_dev, unsigned *ret_func);
/* -1, 0 or 1: addresses by number, anything else by strcmp()'s sign, so compare(a, b) == -compare(b, a). */
int pci_addr_compare(const char *a, const char *b);

/* drm.c: card/render nodes of each GPU (libudev when sysfs_root is /sys, a sysfs walk otherwise),
 * /dev/dri/by-path links under dev_fd, and libdrm's confirmation when sysfs and dev are the real ones. */
int drm_attach_nodes(const char *sysfs_root, const char *dev_root, int dev_fd, struct gpu *gpus, size_t n);
/* The two enumerations behind it, both feeding the same recording code. */
int drm_scan_udev(struct gpu *gpus, size_t n);
int drm_scan_sysfs(const char *sysfs_root, struct gpu *gpus, size_t n);

/* nvidia.c: the parsers take file contents (path only for messages) so that tests can feed them. */
int nvidia_parse_version(const char *text, size_t size, const char *path, char *ret, size_t ret_size);
int nvidia_parse_gpu_info(const char *text, size_t size, const char *path, struct gpu *g);
/* Driver version, per-GPU information, control and GPU nodes. */
int nvidia_probe(const char *proc_root, int dev_fd, struct host *h);

/* nodes.c: stat <dev_fd>/<name>; -ENOENT if absent, without logging. */
int devnode_stat(int dev_fd, const char *name, struct devnode *ret);
/* stat <dev_fd>/<name> and compare it with want_major:want_minor (-1: the kernel does not know it);
 * a missing node is state DEVNODE_MISSING, not an error. */
int devnode_check(int dev_fd, const char *name, int want_major, int want_minor, struct devnode *ret);
/* mknod <dev_fd>/<name> (parents made 0755), root:root, exactly mode; replaces what stood there. */
int devnode_create(int dev_fd, const char *name, unsigned major, unsigned minor, mode_t mode);
/* /proc/devices: the character devices. */
int proc_devices_parse(const char *text, size_t size, const char *path, struct chrdev **ret, size_t *ret_n);
int proc_devices_read(const char *proc_root, struct host *h);

/* nvcaps.c: /proc/driver/nvidia/capabilities (MIG instances per GPU) and the IMEX channel nodes. */
int nvidia_caps_parse(const char *text, size_t size, const char *path, unsigned *ret_minor, mode_t *ret_mode);
int nvidia_probe_caps(const char *proc_root, int dev_fd, struct host *h);

/* drm.c: a sysfs `dev` attribute ("226:128"); 0 if absent or malformed. */
dev_t sysfs_read_devnum(const char *path);

/* render.c: render nodes of drivers without a vendor spec, into h->render_gpus. */
int render_probe(const char *sysfs_root, int dev_fd, struct host *h);

/* chase.c: root NULL, "" or "/" is the real root. */
static inline bool path_is_root(const char *p) {
        return !p || !*p || (p[0] == '/' && !p[1]);
}
/* Resolve path (as seen from root; relative paths start at start, an already resolved directory
 * inside root) to its real file, following symlinks so that absolute targets and ".." stay inside
 * root, as the host itself would see them. Returns the root-prefixed path and the file's lstat. */
int path_chase(const char *root, const char *start, const char *path, char **ret, struct stat *ret_st);
/* Chase a path given in our own namespace: inside the host root (link_root), links are the host's. */
int path_chase_abs(const char *link_root, const char *abs, char **ret, struct stat *ret_st);
