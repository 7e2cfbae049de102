#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
        fprintf(stderr, "test setup: %s %s: %s\n", what, path, strerror(errno));
        printf("Bail out! cannot build the test input %s\n", path);
        exit(99);
}

void mkdir_p(const char *base, const char *rel) {
        char *p = join(base, rel);
        for (char *s = p + 1; ; s++) {
                if (*s == '/' || *s == 0) {
                        char c = *s;
                        *s = 0;
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                die("mkdir", p);
                        *s = c;
                        if (!c)
                                break;
                }
        }
        free(p);
}

static void mkparent(const char *base, const char *rel) {
        char *dup = strdup(rel);
        char *slash = strrchr(dup, '/');
        if (slash) {
                *slash = 0;
                mkdir_p(base, dup);
        }
        free(dup);
}

void write_bytes_at(const char *base, const char *rel, const void *data, size_t size) {
        mkparent(base, rel);
        char *p = join(base, rel);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size) || close(fd) < 0)
                die("write", p);
        free(p);
}

void write_at(const char *base, const char *rel, const char *content) {
        write_bytes_at(base, rel, content, strlen(content));
}

void symlink_at(const char *base, const char *rel, const char *target) {
        mkparent(base, rel);
        char *p = join(base, rel);
        unlink(p);
        if (symlink(target, p) < 0)
                die("symlink", p);
        free(p);
}

void chmod_at(const char *base, const char *rel, unsigned mode) {
        char *p = join(base, rel);
        if (chmod(p, mode) < 0)
                die("chmod", p);
        free(p);
}

static void put_u32(uint8_t *p, uint32_t v) {
        memcpy(p, &v, sizeof v);
}

uint8_t *ldcache_build(const struct test_ldentry *e, size_t n, bool old_header, bool extension, size_t *ret_size) {
        static const char generator[] = "ldconfig (gpucdi unit test)";
        size_t old_size = old_header ? 16 + n * 12 : 0;
        size_t h = old_header ? (old_size + 7) / 8 * 8 : 0;
        size_t strings = h + 48 + n * 24;
        size_t strings_len = 0;
        for (size_t i = 0; i < n; i++)
                strings_len += strlen(e[i].key) + 1 + strlen(e[i].value) + 1;
        size_t end = strings + strings_len;
        size_t ext = (end + 3) / 4 * 4;
        size_t size = extension ? ext + 8 + 16 + sizeof generator - 1 : end;

        uint8_t *d = calloc(1, size);
        if (!d)
                abort();
        if (old_header) {
                memcpy(d, "ld.so-1.7.0", 11);
                put_u32(d + 12, (uint32_t) n);
        }
        memcpy(d + h, "glibc-ld.so.cache1.1", 20);
        put_u32(d + h + 20, (uint32_t) n);
        put_u32(d + h + 24, (uint32_t) strings_len);
        d[h + 28] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 2 : 3;
        put_u32(d + h + 32, extension ? (uint32_t) ext : 0);

        size_t s = strings;
        for (size_t i = 0; i < n; i++) {
                size_t key = s, value = s + strlen(e[i].key) + 1;
                memcpy(d + key, e[i].key, strlen(e[i].key));
                memcpy(d + value, e[i].value, strlen(e[i].value));
                s = value + strlen(e[i].value) + 1;

                uint8_t *ne = d + h + 48 + i * 24;
                put_u32(ne, (uint32_t) e[i].flags);
                put_u32(ne + 4, (uint32_t) (key - h));
                put_u32(ne + 8, (uint32_t) (value - h));
                if (old_header) {
                        /* old entries count from the end of the old table, where the new format hides */
                        uint8_t *oe = d + 16 + i * 12;
                        put_u32(oe, (uint32_t) e[i].flags);
                        put_u32(oe + 4, (uint32_t) (key - old_size));
                        put_u32(oe + 8, (uint32_t) (value - old_size));
                }
        }
        if (extension) {
                put_u32(d + ext, 0xeaa42174u);
                put_u32(d + ext + 4, 1);
                put_u32(d + ext + 8, 0);                               /* tag: generator */
                put_u32(d + ext + 12, 0);
                put_u32(d + ext + 16, (uint32_t) (ext + 24));          /* offset */
                put_u32(d + ext + 20, (uint32_t) (sizeof generator - 1));
                memcpy(d + ext + 24, generator, sizeof generator - 1);
        }
        *ret_size = size;
        return d;
}

void fake_pci_device(const char *sysroot, const char *addr, unsigned vendor, unsigned device, unsigned cls,
                     unsigned subsys_vendor, unsigned subsys_device, const char *driver, const char *numa) {
        char dir[256], rel[512], val[512];
        snprintf(dir, sizeof dir, "devices/pci0000:00/%s", addr);
        const struct { const char *name; unsigned value; int width; } attrs[] = {
                { "vendor", vendor, 4 }, { "device", device, 4 }, { "class", cls, 6 },
                { "subsystem_vendor", subsys_vendor, 4 }, { "subsystem_device", subsys_device, 4 },
                { "revision", 0xa1, 2 },
        };
        for (size_t i = 0; i < ELEMENTSOF_T(attrs); i++) {
                snprintf(rel, sizeof rel, "%s/%s", dir, attrs[i].name);
                snprintf(val, sizeof val, "0x%0*x\n", attrs[i].width, attrs[i].value);
                write_at(sysroot, rel, val);
        }
        if (numa) {
                snprintf(rel, sizeof rel, "%s/numa_node", dir);
                snprintf(val, sizeof val, "%s\n", numa);
                write_at(sysroot, rel, val);
        }
        if (driver) {
                snprintf(rel, sizeof rel, "bus/pci/drivers/%s", driver);
                mkdir_p(sysroot, rel);
                snprintf(rel, sizeof rel, "%s/driver", dir);
                snprintf(val, sizeof val, "../../../bus/pci/drivers/%s", driver);
                symlink_at(sysroot, rel, val);
        }
        snprintf(rel, sizeof rel, "bus/pci/devices/%s", addr);
        snprintf(val, sizeof val, "../../../%s", dir);
        symlink_at(sysroot, rel, val);
}

void fake_drm_node(const char *sysroot, const char *addr, const char *name) {
        char rel[512], target[512];
        snprintf(rel, sizeof rel, "devices/pci0000:00/%s/drm/%s/device", addr, name);
        snprintf(target, sizeof target, "../../../%s", addr);
        symlink_at(sysroot, rel, target);
        snprintf(rel, sizeof rel, "class/drm/%s", name);
        snprintf(target, sizeof target, "../../devices/pci0000:00/%s/drm/%s", addr, name);
        symlink_at(sysroot, rel, target);
}
