/* PCI enumeration (libpci on a plain sysfs tree) and DRM node mapping (the sysfs walk), plus the
 * table and JSON output of the result. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe-internal.h"
#include "probe-print.h"
#include "testutil.h"
#include "util.h"

/* Three vendors, three GPU classes, and the devices that must not count as GPUs. */
static void build_host(const char *dir) {
        char *sys = join(dir, "sys");
        /* Intel iGPU: VGA, i915, card0 + renderD128 and its eDP connector */
        fake_pci_device(sys, "0000:00:02.0", 0x8086, 0xa7a0, 0x030000, 0x17aa, 0x22e8, "i915", "-1");
        fake_drm_node(sys, "0000:00:02.0", "card0");
        fake_drm_node(sys, "0000:00:02.0", "renderD128");
        fake_drm_node(sys, "0000:00:02.0", "card0-eDP-1");
        /* Intel ISA bridge: not a GPU */
        fake_pci_device(sys, "0000:00:1f.0", 0x8086, 0x7a06, 0x060100, 0x17aa, 0x22e8, NULL, "-1");
        /* virtio GPU: a VGA device of another vendor, its DRM node below virtio0 */
        fake_pci_device(sys, "0000:00:03.0", 0x1af4, 0x1050, 0x030000, 0x1af4, 0x1100, "virtio-pci", "-1");
        write_at(sys, "devices/pci0000:00/0000:00:03.0/virtio0/uevent", "");
        symlink_at(sys, "devices/pci0000:00/0000:00:03.0/virtio0/drm/card3/device", "../../../virtio0");
        symlink_at(sys, "class/drm/card3", "../../devices/pci0000:00/0000:00:03.0/virtio0/drm/card3");
        /* NVIDIA on nouveau (no /proc/driver/nvidia needed), NUMA node 0 */
        fake_pci_device(sys, "0000:01:00.0", 0x10de, 0x2684, 0x030000, 0x1043, 0x889c, "nouveau", "0");
        fake_drm_node(sys, "0000:01:00.0", "card1");
        fake_drm_node(sys, "0000:01:00.0", "renderD129");
        /* AMD: display controller class, NUMA node 1, and its HDMI audio function */
        fake_pci_device(sys, "0000:03:00.0", 0x1002, 0x744c, 0x038000, 0x1da2, 0x471e, "amdgpu", "1");
        fake_drm_node(sys, "0000:03:00.0", "card2");
        fake_drm_node(sys, "0000:03:00.0", "renderD130");
        fake_pci_device(sys, "0000:03:00.1", 0x1002, 0xab30, 0x040300, 0x1da2, 0x471e, "snd_hda_intel", "1");
        /* NVIDIA 3D controller, unbound, no numa_node file */
        fake_pci_device(sys, "0000:41:00.0", 0x10de, 0x2330, 0x030200, 0x10de, 0x16c1, NULL, NULL);
        /* NVIDIA in a second PCI domain: sorts after every domain 0 device */
        fake_pci_device(sys, "0001:00:00.0", 0x10de, 0x2330, 0x030200, 0x10de, 0x16c1, NULL, "-1");

        mkdir_p(dir, "proc");
        mkdir_p(dir, "dev/dri");
        write_at(dir, "dev/dri/card0", "");
        symlink_at(dir, "dev/dri/by-path/pci-0000:00:02.0-card", "../card0");
        symlink_at(dir, "dev/dri/by-path/pci-0000:00:02.0-render", "../renderD128");
        free(sys);
}

static struct probe_roots roots_of(const char *dir) {
        return (struct probe_roots) { .sysfs = join(dir, "sys"), .proc = join(dir, "proc"), .dev = join(dir, "dev") };
}

static void free_roots(struct probe_roots *r) {
        free((char *) r->sysfs);
        free((char *) r->proc);
        free((char *) r->dev);
}

struct expect {
        const char *pci;
        enum gpu_vendor vendor;
        unsigned vid, did, svid, sdid, cls;
        const char *driver;
        int numa;
        const char *card, *render;
        int card_minor, render_minor;
        bool by_path;
};

static const struct expect expected[] = {
        { "0000:00:02.0", GPU_VENDOR_INTEL, 0x8086, 0xa7a0, 0x17aa, 0x22e8, 0x030000, "i915", -1,
          "/dev/dri/card0", "/dev/dri/renderD128", 0, 128, true },
        { "0000:01:00.0", GPU_VENDOR_NVIDIA, 0x10de, 0x2684, 0x1043, 0x889c, 0x030000, "nouveau", 0,
          "/dev/dri/card1", "/dev/dri/renderD129", 1, 129, false },
        { "0000:03:00.0", GPU_VENDOR_AMD, 0x1002, 0x744c, 0x1da2, 0x471e, 0x038000, "amdgpu", 1,
          "/dev/dri/card2", "/dev/dri/renderD130", 2, 130, false },
        { "0000:41:00.0", GPU_VENDOR_NVIDIA, 0x10de, 0x2330, 0x10de, 0x16c1, 0x030200, "", -1, "", "", -1, -1, false },
        { "0001:00:00.0", GPU_VENDOR_NVIDIA, 0x10de, 0x2330, 0x10de, 0x16c1, 0x030200, "", -1, "", "", -1, -1, false },
};

static void check_gpu(const struct gpu *g, const struct expect *e) {
        ok(streq(g->pci_addr, e->pci) && g->vendor == e->vendor, "%s is %s", e->pci, gpu_vendor_name(e->vendor));
        ok(g->vendor_id == e->vid && g->device_id == e->did && g->subsys_vendor_id == e->svid &&
           g->subsys_device_id == e->sdid && g->class_code == e->cls,
           "%s ids %04x:%04x subsystem %04x:%04x class %06x", e->pci, g->vendor_id, g->device_id,
           g->subsys_vendor_id, g->subsys_device_id, (unsigned) g->class_code);
        ok(streq(g->driver, e->driver) && g->numa_node == e->numa, "%s driver \"%s\", NUMA node %d",
           e->pci, g->driver, g->numa_node);
        ok(streq(g->card_node, e->card) && streq(g->render_node, e->render) && g->card_minor == e->card_minor &&
           g->render_minor == e->render_minor, "%s DRM nodes \"%s\" (%d) \"%s\" (%d)", e->pci, g->card_node,
           g->card_minor, g->render_node, g->render_minor);
        bool by_path = e->by_path ? (strstr(g->by_path_card, "/dev/dri/by-path/pci-") && strstr(g->by_path_card, "-card") &&
                                     strstr(g->by_path_render, "-render"))
                                  : (!g->by_path_card[0] && !g->by_path_render[0]);
        ok(by_path && !g->drm_confirmed, "%s by-path links %s, not confirmed by libdrm on a fake tree",
           e->pci, e->by_path ? "present" : "absent");
}

static void test_output(const struct host *h) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        int r = host_print_json(h, f);
        fclose(f);
        json_error_t jerr;
        json_t *root = r == 0 ? json_loads(text, 0, &jerr) : NULL;
        ok(root && size > 0 && text[size - 1] == '\n', "JSON output parses and ends in a newline");
        json_t *gpus = json_object_get(root, "gpus");
        ok(json_array_size(gpus) == h->n_gpus, "JSON lists %zu GPUs", json_array_size(gpus));
        json_t *amd = json_array_get(gpus, 2);
        ok(streq_safe(json_string_value(json_object_get(amd, "vendor")), "amd") &&
           streq_safe(json_string_value(json_object_get(amd, "class")), "0x038000") &&
           streq_safe(json_string_value(json_object_get(amd, "vendor_id")), "0x1002") &&
           json_integer_value(json_object_get(amd, "numa_node")) == 1 &&
           json_integer_value(json_object_get(amd, "index")) == 0 &&
           streq_safe(json_string_value(json_object_get(json_object_get(amd, "nodes"), "render")), "/dev/dri/renderD130") &&
           json_integer_value(json_object_get(json_object_get(amd, "nodes"), "card_minor")) == 2 &&
           !json_object_get(amd, "nvidia"),
           "JSON of the AMD GPU: vendor, class, ids, NUMA node, nodes; no nvidia object");
        ok(json_integer_value(json_object_get(json_array_get(gpus, 0), "index")) == 0 &&
           json_is_null(json_object_get(json_array_get(gpus, 1), "index")) &&
           json_is_null(json_object_get(json_array_get(gpus, 3), "index")) &&
           json_is_null(json_object_get(json_array_get(gpus, 4), "index")),
           "JSON index counts usable GPUs per vendor (the CDI device name); nouveau and unbound GPUs get null");
        json_t *unbound = json_array_get(gpus, 3);
        ok(json_is_null(json_object_get(unbound, "driver")) && json_is_null(json_object_get(unbound, "numa_node")) &&
           json_is_null(json_object_get(json_object_get(unbound, "nodes"), "card")) &&
           json_is_null(json_object_get(unbound, "nvidia")),
           "JSON of the unbound NVIDIA GPU: driver, NUMA node, nodes and nvidia details are null");
        ok(json_is_null(json_object_get(json_object_get(root, "nvidia"), "driver_version")) &&
           json_array_size(json_object_get(json_object_get(root, "nvidia"), "control_nodes")) == 0 &&
           json_is_false(json_object_get(json_object_get(root, "amd"), "kfd")),
           "JSON host sections: no NVIDIA driver, no control nodes, no kfd");
        json_decref(root);
        free(text);

        text = NULL;
        f = open_memstream(&text, &size);
        r = host_print_table(h, f);
        fclose(f);
        bool trailing = false;
        size_t lines = 0;
        for (char *p = text; p && *p; p++)
                if (*p == '\n') {
                        lines++;
                        trailing |= p > text && p[-1] == ' ';
                }
        ok(r == 0 && text && startswith(text, "DEVICE  ") && strstr(text, "amd.com/gpu=0    amd     0000:03:00.0  1002:744c  amdgpu") &&
           strstr(text, "\n-                nvidia  0001:00:00.0") &&
           lines >= 1 + h->n_gpus && !trailing, "table: header, one aligned row per GPU, no trailing blanks");
        tap_diag("%s", text ? text : "");
        free(text);
}

static void test_host(void) {
        char *dir = make_tempdir();
        build_host(dir);
        struct probe_roots roots = roots_of(dir);
        struct host *h = NULL;
        int r = probe_host(&roots, &h);
        ok(r == 0 && h && h->n_gpus == ELEMENTSOF_T(expected), "5 GPUs of 9 PCI devices (r=%d, %zu)", r, h ? h->n_gpus : 0);
        if (r == 0 && h->n_gpus == ELEMENTSOF_T(expected)) {
                for (size_t i = 0; i < h->n_gpus; i++)
                        check_gpu(&h->gpus[i], &expected[i]);
                ok(host_count_vendor(h, GPU_VENDOR_NVIDIA) == 3 && host_count_vendor(h, GPU_VENDOR_AMD) == 1 &&
                   host_count_vendor(h, GPU_VENDOR_INTEL) == 1, "host_count_vendor: 3 NVIDIA, 1 AMD, 1 Intel");
                test_output(h);
        }
        host_free(h);

        /* The sysfs walk on its own gives the same mapping. */
        struct gpu *gpus = NULL;
        size_t n = 0;
        r = pci_enumerate_gpus(roots.sysfs, &gpus, &n);
        if (r == 0)
                r = drm_scan_sysfs(roots.sysfs, gpus, n);
        ok(r == 0 && n == 5 && gpus[2].card_minor == 2 && gpus[2].render_minor == 130 && gpus[0].card_minor == 0,
           "drm_scan_sysfs maps card and render nodes (r=%d)", r);
        free(gpus);

        free_roots(&roots);
        rm_rf(dir);
        free(dir);
}

/* probe_host on a tree broken by edit(), expecting an error that names needle. */
static void expect_failure(void (*edit)(const char *sys), const char *what, const char *needle) {
        char *dir = make_tempdir();
        build_host(dir);
        struct probe_roots roots = roots_of(dir);
        edit(roots.sysfs);
        struct host *h = NULL;
        capture_stderr_begin();
        int r = probe_host(&roots, &h);
        char *err = capture_stderr_end();
        ok(r == -EBADMSG && !h, "%s fails the probe with EBADMSG (r=%d)", what, r);
        ok_contains(err, needle, "the error");
        free(err);
        free_roots(&roots);
        rm_rf(dir);
        free(dir);
}

static void garble_device(const char *sys) {
        write_at(sys, "devices/pci0000:00/0000:03:00.0/device", "garbage\n");
}

static void remove_vendor(const char *sys) {
        char *p = join(sys, "devices/pci0000:00/0000:01:00.0/vendor");
        unlink(p);
        free(p);
}

static void bogus_entry(const char *sys) {
        mkdir_p(sys, "bus/pci/devices/not-a-device");
}

static void test_broken(void) {
        expect_failure(garble_device, "an unparsable device id", "0000:03:00.0/device");
        expect_failure(remove_vendor, "a missing vendor attribute (a libpci error)", "0000:01:00.0/vendor");
        expect_failure(bogus_entry, "a bus/pci/devices entry that is not an address", "not-a-device");

        /* No PCI bus at all: no GPUs, not an error. */
        char *dir = make_tempdir();
        mkdir_p(dir, "sys/class");
        mkdir_p(dir, "proc");
        mkdir_p(dir, "dev");
        struct probe_roots roots = roots_of(dir);
        struct host *h = NULL;
        int r = probe_host(&roots, &h);
        ok(r == 0 && h->n_gpus == 0, "a sysfs tree without bus/pci has no GPUs (r=%d)", r);
        host_free(h);
        h = NULL;

        /* A root that does not exist is an error, not an empty host. */
        free((char *) roots.sysfs);
        roots.sysfs = join(dir, "nonexistent");
        capture_stderr_begin();
        r = probe_host(&roots, &h);
        char *err = capture_stderr_end();
        ok(r == -ENOENT && !h && strstr(err, "--sysfs-root"), "a missing sysfs root is -ENOENT naming --sysfs-root (r=%d)", r);
        free(err);
        free_roots(&roots);
        rm_rf(dir);
        free(dir);
}

static void test_addresses(void) {
        unsigned d, b, s, f;
        ok(pci_addr_parse("0000:00:06.0", &d, &b, &s, &f) == 0 && d == 0 && b == 0 && s == 6 && f == 0, "parse 0000:00:06.0");
        ok(pci_addr_parse("10000:e1:1f.7", &d, &b, &s, &f) == 0 && d == 0x10000 && b == 0xe1 && s == 0x1f && f == 7,
           "parse a 5-digit domain");
        ok(pci_addr_parse("0000:00:06.0x", &d, &b, &s, &f) < 0 && pci_addr_parse("virtio0", &d, &b, &s, &f) < 0 &&
           pci_addr_parse("0000:00:20.0", &d, &b, &s, &f) < 0 && pci_addr_parse(" 000:00:06.0", &d, &b, &s, &f) < 0 &&
           pci_addr_parse("0000:00:06.8", &d, &b, &s, &f) < 0, "reject non-addresses");
        ok(pci_addr_compare("0000:00:1f.0", "0000:01:00.0") < 0 && pci_addr_compare("0001:00:00.0", "0000:ff:00.0") > 0 &&
           pci_addr_compare("10000:00:00.0", "0001:00:00.0") > 0 && pci_addr_compare("0000:03:00.0", "0000:03:00.0") == 0,
           "addresses order numerically");
        /* The corpus input that aborted fuzz-sysfs on aarch64: there strcmp("0", X) is -48 while
         * strcmp(X, "0") can be 190 (garbage past the terminator). On x86_64 strcmp returns the byte
         * difference, so the range check below catches the same defect there. */
        static const char *const odd[][2] = {
                { "0", "0000:00:06.0" }, { "0000:00:06.0", "virtio0" }, { "\xff", "0000:00:06.0" }, { "a", "b" },
        };
        for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
                char buf[32] = "0123456789abcdef0123456789abcde"; /* bytes after the string, as on a stack */
                memcpy(buf, odd[i][0], strlen(odd[i][0]) + 1);
                int ab = pci_addr_compare(buf, odd[i][1]), ba = pci_addr_compare(odd[i][1], buf);
                ok(ab != 0 && ab == -ba && (ab == 1 || ab == -1),
                   "non-addresses compare as -1/1, antisymmetric (pair %zu: %d, %d)", i, ab, ba);
        }
}

int main(void) {
        test_host();
        test_broken();
        test_addresses();
        return tap_done();
}
