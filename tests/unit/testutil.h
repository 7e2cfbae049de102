/* Fixture builders for the probe unit tests (TAP and file helpers: tests/tap.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"

#define ELEMENTSOF_T(x) (sizeof(x) / sizeof((x)[0]))
static inline bool streq_safe(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

/* Create files below a base directory; parents are created as needed. Abort on failure: a test
 * that cannot build its input has nothing to check. */
void mkdir_p(const char *base, const char *rel);
void write_at(const char *base, const char *rel, const char *content);
void write_bytes_at(const char *base, const char *rel, const void *data, size_t size);
void symlink_at(const char *base, const char *rel, const char *target);
void chmod_at(const char *base, const char *rel, unsigned mode);

/* A PCI device in a plain sysfs tree under sysroot, as the kernel lays it out:
 * devices/pci0000:00/<addr>/{vendor,device,class,subsystem_*,revision[,numa_node][,driver]} and
 * bus/pci/devices/<addr> -> it. driver NULL: unbound; numa NULL: no numa_node file. */
void fake_pci_device(const char *sysroot, const char *addr, unsigned vendor, unsigned device, unsigned cls,
                     unsigned subsys_vendor, unsigned subsys_device, const char *driver, const char *numa);
/* A DRM node (card1, renderD128, card1-DP-1) below the PCI device, with class/drm/<name> and the
 * node's device link. */
void fake_drm_node(const char *sysroot, const char *addr, const char *name);

/* glibc's ld.so.cache built from (key, value, flags) entries, in the given order: the new format
 * ("glibc-ld.so.cache1.1"), optionally behind the old "ld.so-1.7.0" header, optionally with the
 * generator extension at the end. */
struct test_ldentry {
        const char *key;
        const char *value;
        int32_t flags;
};
uint8_t *ldcache_build(const struct test_ldentry *e, size_t n, bool old_header, bool extension, size_t *ret_size);
