/* /proc/driver/nvidia parsing: the H100 host's files, every truncation of them, malformed and
 * missing fields, and the whole probe on fake sysfs/proc/dev trees. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "probe-internal.h"
#include "testutil.h"
#include "util.h"

/* As the H100 host has them (whitespace included). */
static const char h100_version[] =
        "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (nixbld@)  \n"
        "GCC version:  gcc version 15.3.0 (GCC) \n";
static const char h100_information[] =
        "Model: \t\t NVIDIA H100 80GB HBM3\n"
        "IRQ:   \t\t 41\n"
        "GPU UUID: \t GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33\n"
        "Video BIOS: \t 96.00.da.00.0c\n"
        "Bus Type: \t PCIe\n"
        "DMA Size: \t 52 bits\n"
        "DMA Mask: \t 0xfffffffffffff\n"
        "Bus Location: \t 0000:00:06.0\n"
        "Device Minor: \t 0\n"
        "GPU Firmware: \t 580.159.04\n"
        "GPU Excluded:\t No\n";
#define H100_PCI "0000:00:06.0"
#define H100_UUID "GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33"
#define H100_MODEL "NVIDIA H100 80GB HBM3"

static int parse_version(const char *text, size_t size, char *out, size_t out_size) {
        return nvidia_parse_version(text, size, "/proc/driver/nvidia/version", out, out_size);
}

static int parse_info(const char *text, size_t size, struct gpu *g) {
        *g = (struct gpu) { .nv_minor = -1 };
        strcpy(g->pci_addr, H100_PCI);
        return nvidia_parse_gpu_info(text, size, "/proc/driver/nvidia/gpus/" H100_PCI "/information", g);
}

static void test_version(void) {
        char v[64];
        int r = parse_version(h100_version, strlen(h100_version), v, sizeof v);
        ok(r == 0 && streq(v, "580.159.04"), "H100 version file: driver %s", r == 0 ? v : "?");

        static const char proprietary[] =
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\n"
                "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14) \n";
        r = parse_version(proprietary, strlen(proprietary), v, sizeof v);
        ok(r == 0 && streq(v, "550.54.14"), "proprietary module's version file: driver %s", r == 0 ? v : "?");

        static const char aarch64[] = "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  570.86.15  Release Build  (dvs-builder@U16-I1-N08-05-2)  Thu Jan 16 23:35:51 UTC 2025\n";
        r = parse_version(aarch64, strlen(aarch64), v, sizeof v);
        ok(r == 0 && streq(v, "570.86.15"), "aarch64 version file: driver %s", r == 0 ? v : "?");

        /* Every truncation: an error, or the full answer (cuts after the NVRM line). */
        size_t wrong = 0, accepted = 0;
        size_t nvrm_len = strchr(h100_version, '\n') - h100_version + 1;
        log_set_quiet(true);
        for (size_t len = 0; len < strlen(h100_version); len++) {
                char *cut = strndup(h100_version, len);
                r = parse_version(cut, len, v, sizeof v);
                if (r == 0) {
                        accepted++;
                        if (!streq(v, "580.159.04") || len < nvrm_len)
                                wrong++;
                } else if (r != -EBADMSG)
                        wrong++;
                free(cut);
        }
        log_set_quiet(false);
        ok(wrong == 0, "version file: %zu truncations, %zu accepted after the NVRM line, none wrong",
           strlen(h100_version), accepted);

        static const struct {
                const char *text;
                const char *what;
                const char *message;
        } bad[] = {
                { "", "an empty file", "empty" },
                { "GCC version:  gcc version 15.3.0 (GCC) \n", "no NVRM line", "NVRM version" },
                { "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  Release Build\n", "no version number", "no driver version" },
                { "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.", "a line cut short", "truncated" },
                { "NVRM version: 580..159\n", "an empty version component", "no driver version" },
                { "NVRM version: 580.159.04\0garbage\n", "a NUL byte", "NUL" },
        };
        for (size_t i = 0; i < ELEMENTSOF_T(bad); i++) {
                size_t size = strlen(bad[i].text);
                if (strstr(bad[i].what, "NUL"))
                        size = sizeof "NVRM version: 580.159.04\0garbage\n" - 1;
                capture_stderr_begin();
                r = parse_version(bad[i].text, size, v, sizeof v);
                char *err = capture_stderr_end();
                ok(r == -EBADMSG && strstr(err, "/proc/driver/nvidia/version") && strstr(err, bad[i].message),
                   "version file with %s is rejected, naming the file and \"%s\"", bad[i].what, bad[i].message);
                free(err);
        }
}

static void test_information(void) {
        struct gpu g;
        int r = parse_info(h100_information, strlen(h100_information), &g);
        ok(r == 0 && g.nv_minor == 0 && streq(g.nv_uuid, H100_UUID) && streq(g.nv_model, H100_MODEL),
           "H100 information: minor %d, %s, %s", g.nv_minor, g.nv_uuid, g.nv_model);

        /* Every truncation: an error, or exactly the full answer (only cuts after "Device Minor"). */
        size_t wrong = 0, accepted = 0;
        size_t minor_end = strstr(h100_information, "Device Minor") - h100_information;
        minor_end += strchr(h100_information + minor_end, '\n') - (h100_information + minor_end) + 1;
        log_set_quiet(true);
        for (size_t len = 0; len < strlen(h100_information); len++) {
                char *cut = strndup(h100_information, len);
                r = parse_info(cut, len, &g);
                if (r == 0) {
                        accepted++;
                        if (len < minor_end || g.nv_minor != 0 || !streq(g.nv_uuid, H100_UUID) || !streq(g.nv_model, H100_MODEL))
                                wrong++;
                } else if (r != -EBADMSG || g.nv_minor != -1 || g.nv_uuid[0])
                        wrong++; /* errors must leave the GPU untouched */
                free(cut);
        }
        log_set_quiet(false);
        ok(wrong == 0, "information: %zu truncations, %zu accepted (cut after the last needed line), none wrong",
           strlen(h100_information), accepted);

        static const struct {
                const char *from, *to;
                const char *field;
        } edits[] = {
                { "Device Minor: \t 0", "Device Minor: \t zero", "Device Minor" },
                { "Device Minor: \t 0", "Device Minor: \t -1", "Device Minor" },
                { "Device Minor: \t 0", "Device Minor: \t 255", "Device Minor" },
                { "Device Minor: \t 0", "Device Minor: \t ", "Device Minor" },
                { "Device Minor: \t 0", "Device Minor: \t 0x1", "Device Minor" },
                { "Device Minor: \t 0\n", "", "Device Minor" },
                { "GPU UUID: \t GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33", "GPU UUID: \t GPU-ad534904-764e", "GPU UUID" },
                { "GPU UUID: \t GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33", "GPU UUID: \t ad534904-764e-e9f8-c1cb-0fa2ae372e33", "GPU UUID" },
                { "GPU UUID: \t GPU-ad534904-764e-e9f8-c1cb-0fa2ae372e33\n", "", "GPU UUID" },
                { "Model: \t\t NVIDIA H100 80GB HBM3\n", "", "Model" },
                { "Model: \t\t NVIDIA H100 80GB HBM3", "Model: \t\t ", "Model" },
                { "Bus Location: \t 0000:00:06.0", "Bus Location: \t 0000:00:07.0", "Bus Location" },
                { "GPU Excluded:\t No\n", "Device Minor: 1\n", "appears twice" },
        };
        for (size_t i = 0; i < ELEMENTSOF_T(edits); i++) {
                char text[2048];
                const char *at = strstr(h100_information, edits[i].from);
                snprintf(text, sizeof text, "%.*s%s%s", (int) (at - h100_information), h100_information, edits[i].to,
                         at + strlen(edits[i].from));
                capture_stderr_begin();
                r = parse_info(text, strlen(text), &g);
                char *err = capture_stderr_end();
                ok(r == -EBADMSG && strstr(err, "/proc/driver/nvidia/gpus/" H100_PCI "/information") && strstr(err, edits[i].field),
                   "information edit %zu is rejected, naming the file and \"%s\"", i, edits[i].field);
                free(err);
        }

        /* Upper-case hex in Bus Location is the same address. */
        char text[2048];
        snprintf(text, sizeof text, "Model: X\nGPU UUID: " H100_UUID "\nBus Location: 0000:0A:00.0\nDevice Minor: 3\n");
        g = (struct gpu) { .nv_minor = -1 };
        strcpy(g.pci_addr, "0000:0a:00.0");
        r = nvidia_parse_gpu_info(text, strlen(text), "information", &g);
        ok(r == 0 && g.nv_minor == 3 && streq(g.nv_model, "X"), "Bus Location compares case-insensitively");
}

/* A host with one NVIDIA GPU: sysfs, proc and dev roots under dir. */
static struct probe_roots make_host(const char *dir, const char *driver, bool info, bool version, bool mknod_nodes) {
        char *sys = join(dir, "sys"), *proc = join(dir, "proc"), *dev = join(dir, "dev");
        mkdir_p(dir, "sys");
        mkdir_p(dir, "proc");
        mkdir_p(dir, "dev");
        fake_pci_device(sys, H100_PCI, 0x10de, 0x2330, 0x030200, 0x10de, 0x16c1, driver, "-1");
        if (version)
                write_at(proc, "driver/nvidia/version", h100_version);
        if (info)
                write_at(proc, "driver/nvidia/gpus/" H100_PCI "/information", h100_information);

        static const struct {
                const char *name;
                unsigned major, minor;
        } nodes[] = { { "nvidia0", 195, 0 }, { "nvidiactl", 195, 255 }, { "nvidia-uvm", 238, 0 }, { "nvidia-uvm-tools", 238, 1 } };
        for (size_t i = 0; i < ELEMENTSOF_T(nodes); i++) {
                char *p = join(dev, nodes[i].name);
                if (!mknod_nodes || mknod(p, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0)
                        write_at(dev, nodes[i].name, "");
                free(p);
        }
        return (struct probe_roots) { .sysfs = sys, .proc = proc, .dev = dev };
}

static void free_roots(struct probe_roots *r) {
        free((char *) r->sysfs);
        free((char *) r->proc);
        free((char *) r->dev);
}

static void test_probe(void) {
        char *dir = make_tempdir();
        bool root = geteuid() == 0;
        struct probe_roots roots = make_host(dir, "nvidia", true, true, root);
        struct host *h = NULL;
        int r = probe_host(&roots, &h);
        ok(r == 0 && h && h->n_gpus == 1, "probe finds the NVIDIA GPU (r=%d)", r);
        if (r == 0 && h->n_gpus == 1) {
                const struct gpu *g = &h->gpus[0];
                ok(streq(h->nv_driver_version, "580.159.04"), "driver version %s", h->nv_driver_version);
                ok(g->nv_minor == 0 && streq(g->nv_uuid, H100_UUID) && streq(g->nv_model, H100_MODEL),
                   "GPU details: minor %d, %s, %s", g->nv_minor, g->nv_uuid, g->nv_model);
                ok(streq(g->nv_node.path, "/dev/nvidia0"), "GPU node %s", g->nv_node.path);
                ok(h->n_nv_ctl_nodes == 3 && streq(h->nv_ctl_nodes[0].path, "/dev/nvidiactl") &&
                   streq(h->nv_ctl_nodes[1].path, "/dev/nvidia-uvm") && streq(h->nv_ctl_nodes[2].path, "/dev/nvidia-uvm-tools"),
                   "control nodes present, in table order, nvidia-modeset absent (%zu)", h->n_nv_ctl_nodes);
                if (root)
                        ok(g->nv_node.is_char && g->nv_node.major == 195 && g->nv_node.minor == 0 &&
                           h->n_nv_ctl_nodes == 3 && h->nv_ctl_nodes[0].is_char && h->nv_ctl_nodes[0].major == 195 &&
                           h->nv_ctl_nodes[0].minor == 255 && h->nv_ctl_nodes[1].major == 238,
                           "major:minor come from stat: nvidia0 %u:%u, nvidiactl %u:%u",
                           g->nv_node.major, g->nv_node.minor, h->n_nv_ctl_nodes ? h->nv_ctl_nodes[0].major : 0,
                           h->n_nv_ctl_nodes ? h->nv_ctl_nodes[0].minor : 0);
                else
                        tap_skip("mknod needs root", "major:minor come from stat");
                ok(!h->has_kfd && !h->kfd_node.path[0], "no /dev/kfd on this host");
        }
        host_free(h);
        free_roots(&roots);
        rm_rf(dir);
        free(dir);

        /* Bound to nvidia but /proc says nothing: another host's /proc, or a driver half loaded. */
        dir = make_tempdir();
        roots = make_host(dir, "nvidia", false, true, false);
        capture_stderr_begin();
        r = probe_host(&roots, &h);
        char *err = capture_stderr_end();
        ok(r < 0, "a GPU bound to nvidia without an information file is an error (r=%d)", r);
        ok_contains(err, "/driver/nvidia/gpus/" H100_PCI "/information", "the error");
        ok_contains(err, "--proc-root", "the error");
        free(err);
        free_roots(&roots);
        rm_rf(dir);
        free(dir);

        /* Unbound (or vfio-pci): no NVIDIA details, and that is fine. */
        dir = make_tempdir();
        roots = make_host(dir, NULL, false, false, false);
        h = NULL;
        r = probe_host(&roots, &h);
        ok(r == 0 && h->n_gpus == 1 && h->gpus[0].nv_minor == -1 && !h->gpus[0].driver[0] && !h->nv_driver_version[0],
           "an unbound NVIDIA GPU is listed without details (r=%d)", r);
        host_free(h);
        free_roots(&roots);
        rm_rf(dir);
        free(dir);

        /* Information without a version file. */
        dir = make_tempdir();
        roots = make_host(dir, "nvidia", true, false, false);
        capture_stderr_begin();
        r = probe_host(&roots, &h);
        err = capture_stderr_end();
        ok(r < 0 && strstr(err, "driver/nvidia/version"), "GPU information without a version file is an error (r=%d)", r);
        free(err);
        free_roots(&roots);
        rm_rf(dir);
        free(dir);

        /* A malformed information file stops the probe with the file's name. */
        dir = make_tempdir();
        roots = make_host(dir, "nvidia", true, true, false);
        write_at(roots.proc, "driver/nvidia/gpus/" H100_PCI "/information", "Model: \t\t NVIDIA H100 80GB HBM3\nGPU UUID: \t GPU-ad5");
        capture_stderr_begin();
        r = probe_host(&roots, &h);
        err = capture_stderr_end();
        ok(r == -EBADMSG, "a truncated information file fails the probe (r=%d)", r);
        ok_contains(err, "gpus/" H100_PCI "/information", "the error");
        free(err);
        free_roots(&roots);
        rm_rf(dir);
        free(dir);
}

int main(void) {
        test_version();
        test_information();
        test_probe();
        return tap_done();
}
