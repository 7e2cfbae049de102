/* Run by umockdev-run with data/amd-gpu.umockdev: the default /sys is the testbed, so this is
 * libpci, libudev and libdrm on what they would see of one AMD GPU (card1, renderD128). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe-internal.h"
#include "testutil.h"
#include "util.h"

#define AMD_PCI "0000:03:00.0"

int main(void) {
        if (!getenv("UMOCKDEV_DIR")) {
                printf("1..0 # SKIP not running under umockdev-run\n");
                return 0;
        }

        /* /proc: an empty one, so that a real NVIDIA driver on the test machine stays out of it. */
        char *proc = make_tempdir();
        struct probe_roots roots = { .proc = proc };
        struct host *h = NULL;
        int r = probe_host(&roots, &h);
        ok(r == 0 && h && h->n_gpus == 1, "probe with the default /sys finds one GPU (r=%d, %zu)", r, h ? h->n_gpus : 0);
        if (r == 0 && h->n_gpus == 1) {
                const struct gpu *g = &h->gpus[0];
                ok(g->vendor == GPU_VENDOR_AMD && streq(g->pci_addr, AMD_PCI) && g->device_id == 0x744c &&
                   g->subsys_vendor_id == 0x1da2 && g->class_code == 0x030000,
                   "it is the AMD GPU at " AMD_PCI " (%04x:%04x class %06x)", g->vendor_id, g->device_id, (unsigned) g->class_code);
                ok(streq(g->driver, "amdgpu"), "bound to amdgpu (\"%s\")", g->driver);
                ok(streq(g->card_node, "/dev/dri/card1") && g->card_minor == 1 &&
                   streq(g->render_node, "/dev/dri/renderD128") && g->render_minor == 128,
                   "DRM nodes %s (%d) and %s (%d)", g->card_node, g->card_minor, g->render_node, g->render_minor);
                ok(g->drm_confirmed, "libdrm's device list confirms the mapping");
        }
        host_free(h);

        /* The libudev enumeration by itself, on the GPU list libpci gives. */
        struct gpu *gpus = NULL;
        size_t n = 0;
        r = pci_enumerate_gpus("/sys", &gpus, &n);
        ok(r == 0 && n == 1, "libpci with sysfs.path=/sys/bus/pci lists the GPU, not its audio function or bridge (r=%d)", r);
        if (r == 0 && n == 1) {
                r = drm_scan_udev(gpus, n);
                ok(r == 0 && gpus[0].card_minor == 1 && gpus[0].render_minor == 128 &&
                   streq(gpus[0].card_node, "/dev/dri/card1") && streq(gpus[0].render_node, "/dev/dri/renderD128"),
                   "libudev maps card1 and renderD128 to " AMD_PCI " (r=%d)", r);
        }
        free(gpus);
        rm_rf(proc);
        free(proc);
        return tap_done();
}
