/* Fuzz target: the sysfs attributes and names the probe reads, through the real code path: each
 * input is written out as a one-device sysfs tree, then enumerated with libpci (pci.c) and mapped
 * to DRM nodes (drm.c), as `gpucdi probe --sysfs-root` does. The input is a list of fields
 * separated by NUL bytes; fields past the end of the input are files that do not exist:
 *
 *   0 PCI address (the directory name)   6 numa_node
 *   1 vendor                             7 driver link target ("../../../bus/pci/drivers/nvidia")
 *   2 device                             8, 9 names of DRM nodes under class/drm linking to it
 *   3 class                              10 config: the rest of the input, NUL bytes included
 *   4 subsystem_vendor
 *   5 subsystem_device
 *
 * The address is also fed to pci_addr_parse()/pci_addr_compare() directly. */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz-files.h"
#include "probe-internal.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
        F_ADDR, F_VENDOR, F_DEVICE, F_CLASS, F_SUBSYS_VENDOR, F_SUBSYS_DEVICE, F_NUMA, F_DRIVER, F_DRM1,
        F_DRM2, F_CONFIG, _F_MAX
};

static const char *const attr_names[_F_MAX] = {
        [F_VENDOR] = "vendor",
        [F_DEVICE] = "device",
        [F_CLASS] = "class",
        [F_SUBSYS_VENDOR] = "subsystem_vendor",
        [F_SUBSYS_DEVICE] = "subsystem_device",
        [F_NUMA] = "numa_node",
        [F_CONFIG] = "config",
};

static char base[64];   /* private directory, removed at exit */
static char root[128];  /* base/sys, rebuilt for every input */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        remove(path);
        return 0;
}

static void rm_tree(const char *path) {
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void) {
        if (base[0])
                rm_tree(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        fuzz_mkdtemp(base, sizeof base, "fuzz-sysfs");
        snprintf(root, sizeof root, "%s/sys", base);
        atexit(cleanup);
        return 0;
}

/* A field as a file name: no '/', not empty, not "." or "..", bounded. */
static void as_name(const char *f, size_t n, char *ret, size_t ret_size, const char *fallback) {
        if (n >= ret_size)
                n = ret_size - 1;
        for (size_t i = 0; i < n; i++)
                ret[i] = f[i] == '/' ? '_' : f[i];
        ret[n] = 0;
        if (!ret[0] || streq(ret, ".") || streq(ret, ".."))
                snprintf(ret, ret_size, "%s", fallback);
}

static void check_gpu(const struct gpu *g) {
        unsigned d, b, s, f;
        enum gpu_vendor v;
        if (pci_addr_parse(g->pci_addr, &d, &b, &s, &f) < 0 || gpu_vendor_from_pci_id(g->vendor_id, &v) < 0 ||
            v != g->vendor || g->device_id == 0 || g->device_id == 0xffff ||
            strnlen(g->driver, sizeof g->driver) == sizeof g->driver)
                abort();
        if (g->card_node[0] && (!startswith(g->card_node, "/dev/dri/card") || g->card_minor < 0))
                abort();
        if (g->render_node[0] && (!startswith(g->render_node, "/dev/dri/renderD") || g->render_minor < 0))
                abort();
        if (!g->card_node[0] != (g->card_minor < 0) || !g->render_node[0] != (g->render_minor < 0))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *field[_F_MAX] = {};
        size_t len[_F_MAX] = {};
        size_t nf = 0;
        const char *p = (const char *) data, *end = p + size;
        while (nf < _F_MAX && p <= end && size > 0) {
                const char *nul = nf < F_CONFIG ? memchr(p, 0, (size_t) (end - p)) : NULL;
                field[nf] = p;
                len[nf] = (size_t) ((nul ? nul : end) - p);
                nf++;
                if (!nul)
                        break;
                p = nul + 1;
        }

        char addr[128];
        as_name(field[F_ADDR], len[F_ADDR], addr, sizeof addr, "0000:00:06.0");

        /* The string parsers on their own, with the address as sysfs spells it and as given. */
        unsigned d, b, s, f;
        (void) pci_addr_parse(addr, &d, &b, &s, &f);
        int c = pci_addr_compare(addr, "0000:00:06.0");
        if (c < -1 || c > 1 || c != -pci_addr_compare("0000:00:06.0", addr))
                abort();

        rm_tree(root);
        char dir[512], path[1024];
        snprintf(dir, sizeof dir, "%s/bus", root);
        mkdir(root, 0755);
        mkdir(dir, 0755);
        snprintf(dir, sizeof dir, "%s/bus/pci", root);
        mkdir(dir, 0755);
        snprintf(dir, sizeof dir, "%s/bus/pci/devices", root);
        mkdir(dir, 0755);
        snprintf(dir, sizeof dir, "%s/bus/pci/devices/%s", root, addr);
        if (mkdir(dir, 0755) < 0)
                abort();
        for (size_t i = 0; i < nf; i++) {
                if (!attr_names[i])
                        continue;
                snprintf(path, sizeof path, "%s/%s", dir, attr_names[i]);
                fuzz_write_file(path, field[i], len[i]);
        }
        if (nf > F_DRIVER && len[F_DRIVER] > 0) {
                char target[256];
                size_t n = len[F_DRIVER] < sizeof target ? len[F_DRIVER] : sizeof target - 1;
                memcpy(target, field[F_DRIVER], n);
                target[n] = 0;
                snprintf(path, sizeof path, "%s/driver", dir);
                /* A link the input makes impossible is just one the probe does not see. */
                if (target[0] && symlink(target, path) < 0) {
                }
        }
        snprintf(path, sizeof path, "%s/class", root);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/class/drm", root);
        mkdir(path, 0755);
        for (size_t i = F_DRM1; i < nf && i <= F_DRM2; i++) {
                if (len[i] == 0)
                        continue;
                char name[128];
                as_name(field[i], len[i], name, sizeof name, "card0");
                snprintf(path, sizeof path, "%s/class/drm/%s", root, name);
                if (mkdir(path, 0755) < 0)
                        continue; /* both fields name the same node */
                char link[sizeof path + 16];
                snprintf(link, sizeof link, "%s/device", path);
                char target[512];
                snprintf(target, sizeof target, "../../../bus/pci/devices/%s", addr);
                if (symlink(target, link) < 0)
                        continue;
        }

        struct gpu *gpus = NULL;
        size_t n = 0;
        if (pci_enumerate_gpus(root, &gpus, &n) < 0)
                return 0;
        if (n > 1)
                abort(); /* one device directory, at most one GPU */
        if (drm_scan_sysfs(root, gpus, n) >= 0)
                for (size_t i = 0; i < n; i++)
                        check_gpu(&gpus[i]);
        free(gpus);
        return 0;
}
