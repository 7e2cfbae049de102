/* Driver file search on fake host roots laid out like the H100 host (driver under
 * /usr/local/nvidia, /lib links, ld.so.cache), a Debian layout found only through ld.so.cache, a
 * NixOS layout, and the ways they go wrong. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driverfiles.h"
#include "ldcache.h"
#include "testutil.h"
#include "util.h"

#define VERSION "580.159.04"
#define NVROOT "usr/local/nvidia"

/* The H100 host's driver libraries (driver-tree.txt): stem and soname link, NULL where the
 * soname is the versioned file itself. */
static const struct {
        const char *stem;
        const char *soname;
} h100_libs[] = {
        { "libEGL_nvidia", "libEGL_nvidia.so.0" },
        { "libGLESv1_CM_nvidia", "libGLESv1_CM_nvidia.so.1" },
        { "libGLESv2_nvidia", "libGLESv2_nvidia.so.2" },
        { "libGLX_nvidia", "libGLX_nvidia.so.0" },
        { "libcuda", "libcuda.so.1" },
        { "libcudadebugger", "libcudadebugger.so.1" },
        { "libnvcuvid", "libnvcuvid.so.1" },
        { "libnvidia-allocator", "libnvidia-allocator.so.1" },
        { "libnvidia-cfg", "libnvidia-cfg.so.1" },
        { "libnvidia-eglcore", NULL },
        { "libnvidia-encode", "libnvidia-encode.so.1" },
        { "libnvidia-fbc", "libnvidia-fbc.so.1" },
        { "libnvidia-glcore", NULL },
        { "libnvidia-glsi", NULL },
        { "libnvidia-glvkspirv", NULL },
        { "libnvidia-gpucomp", NULL },
        { "libnvidia-ml", "libnvidia-ml.so.1" },
        { "libnvidia-nvvm", "libnvidia-nvvm.so.4" },
        { "libnvidia-opencl", "libnvidia-opencl.so.1" },
        { "libnvidia-opticalflow", "libnvidia-opticalflow.so.1" },
        { "libnvidia-pkcs11-openssl3", NULL },
        { "libnvidia-ptxjitcompiler", "libnvidia-ptxjitcompiler.so.1" },
        { "libnvidia-rtcore", NULL },
        { "libnvidia-tls", NULL },
        { "libnvoptix", "libnvoptix.so.1" },
        { "libvdpau_nvidia", "libvdpau_nvidia.so.1" },
};
static const char *const h100_bins[] = { "nvidia-cuda-mps-control", "nvidia-cuda-mps-server", "nvidia-debugdump",
                                         "nvidia-persistenced", "nvidia-smi" };

__attribute__((format(printf, 1, 2))) static char *fmt(const char *f, ...) {
        char *p;
        va_list ap;
        va_start(ap, f);
        int r = vasprintf(&p, f, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return p;
}

/* Libraries of one version in root/dir, with soname and .so links as the installer makes them. */
static void install_libs(const char *root, const char *dir, const char *version) {
        for (size_t i = 0; i < ELEMENTSOF_T(h100_libs); i++) {
                char *file = fmt("%s.so.%s", h100_libs[i].stem, version);
                char *path = fmt("%s/%s", dir, file);
                write_at(root, path, "");
                chmod_at(root, path, 0755);
                const char *soname = h100_libs[i].soname ? h100_libs[i].soname : file;
                if (h100_libs[i].soname) {
                        char *link = fmt("%s/%s", dir, soname);
                        symlink_at(root, link, file);
                        free(link);
                }
                char *dev = fmt("%s/%s.so", dir, h100_libs[i].stem);
                symlink_at(root, dev, soname);
                free(dev);
                free(path);
                free(file);
        }
}

/* The H100 host: driver in /usr/local/nvidia (lib -> lib64), /lib links, ICD links in /usr/share,
 * and its ld.so.cache (the real one from tests/reference/h100, else one listing the same paths). */
static void build_h100(const char *root, const char *refdir) {
        install_libs(root, NVROOT "/lib64", VERSION);
        symlink_at(root, NVROOT "/lib", "lib64");
        for (size_t i = 0; i < ELEMENTSOF_T(h100_bins); i++) {
                char *p = fmt("%s/bin/%s", NVROOT, h100_bins[i]);
                write_at(root, p, "");
                chmod_at(root, p, 0755);
                free(p);
        }
        write_at(root, NVROOT "/share/vulkan/icd.d/nvidia_icd.json", "{}\n");
        write_at(root, NVROOT "/share/vulkan/implicit_layer.d/nvidia_layers.json", "{}\n");
        write_at(root, NVROOT "/share/glvnd/egl_vendor.d/10_nvidia.json", "{}\n");
        symlink_at(root, "usr/share/vulkan/icd.d/nvidia_icd.json", "/" NVROOT "/share/vulkan/icd.d/nvidia_icd.json");
        symlink_at(root, "usr/share/glvnd/egl_vendor.d/10_nvidia.json", "/" NVROOT "/share/glvnd/egl_vendor.d/10_nvidia.json");
        /* /lib/<soname> -> /usr/local/nvidia/lib64/<soname>: absolute, to be followed inside the root */
        symlink_at(root, "lib/libcuda.so.1", "/" NVROOT "/lib64/libcuda.so.1");
        symlink_at(root, "lib/libnvidia-ml.so.1", "/" NVROOT "/lib64/libnvidia-ml.so.1");

        char *real = refdir ? join(refdir, "ld.so.cache") : NULL;
        FILE *f = real ? fopen(real, "re") : NULL;
        if (f) {
                static char buf[1 << 20];
                size_t n = fread(buf, 1, sizeof buf, f);
                fclose(f);
                write_bytes_at(root, "etc/ld.so.cache", buf, n);
        } else {
                static const struct test_ldentry e[] = {
                        { "libcuda.so.1", "/" NVROOT "/lib64/libcuda.so.1", 0x0303 },
                        { "libcuda.so.1", "/lib/libcuda.so.1", 0x0303 },
                        { "libnvidia-ml.so.1", "/" NVROOT "/lib64/libnvidia-ml.so.1", 0x0303 },
                        { "libnvidia-ml.so.1", "/lib/libnvidia-ml.so.1", 0x0303 },
                };
                size_t size;
                uint8_t *d = ldcache_build(e, ELEMENTSOF_T(e), false, true, &size);
                write_bytes_at(root, "etc/ld.so.cache", d, size);
                free(d);
        }
        free(real);
}

static const struct driver_file *find(const struct driver_files *f, const char *name) {
        for (size_t i = 0; i < f->n_files; i++)
                if (streq(f->files[i].name, name))
                        return &f->files[i];
        return NULL;
}

static int run(const char *root, const char *const *droots, size_t n, const char *version,
               struct driver_files **ret, char **ret_err) {
        struct probe_roots roots = { .root = root, .driver_roots = droots, .n_driver_roots = n };
        capture_stderr_begin();
        int r = nvidia_driver_files(&roots, version, ret);
        char *err = capture_stderr_end();
        if (ret_err)
                *ret_err = err;
        else
                free(err);
        return r;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && streq(s + a - b, suffix);
}

static void test_h100(const char *refdir) {
        char *root = make_tempdir();
        build_h100(root, refdir);
        tap_diag("ld.so.cache: %s", refdir && access(refdir, F_OK) == 0 ? "the H100 host's" : "built here");

        struct driver_files *f = NULL;
        int r = run(root, NULL, 0, VERSION, &f, NULL);
        ok(r == 0, "H100 layout: files found through the default root and ld.so.cache (r=%d)", r);
        if (r < 0) {
                rm_rf(root);
                free(root);
                return;
        }
        size_t libs = 0, bins = 0, json = 0;
        bool sorted = true, unique = true, in_root = true;
        for (size_t i = 0; i < f->n_files; i++) {
                const struct driver_file *x = &f->files[i];
                libs += x->kind == DRIVER_FILE_LIBRARY;
                bins += x->kind == DRIVER_FILE_BINARY;
                json += x->kind >= DRIVER_FILE_VULKAN_ICD;
                if (i > 0 && (f->files[i - 1].kind > x->kind ||
                              (f->files[i - 1].kind == x->kind && strcmp(f->files[i - 1].name, x->name) >= 0)))
                        sorted = false;
                for (size_t j = 0; j < i; j++)
                        if (streq(f->files[j].host_path, x->host_path))
                                unique = false;
                if (!startswith(x->host_path, root))
                        in_root = false;
        }
        ok(libs == ELEMENTSOF_T(h100_libs), "all %zu H100 libraries, once each (%zu)", ELEMENTSOF_T(h100_libs), libs);
        ok(bins == 4 && !find(f, "nvidia-persistenced"), "nvidia-smi, nvidia-debugdump and the MPS binaries, not the daemon (%zu)", bins);
        ok(json == 3, "Vulkan ICD, Vulkan layer and EGL vendor files (%zu)", json);
        ok(sorted && unique && in_root, "sorted by kind then name, no duplicates, all inside the host root");

        const struct driver_file *cuda = find(f, "libcuda.so." VERSION);
        ok(cuda && streq_safe(cuda->soname, "libcuda.so.1") && cuda->required && streq_safe(cuda->group, "compute") &&
           ends_with(cuda->host_path, "/" NVROOT "/lib64/libcuda.so." VERSION),
           "libcuda.so." VERSION ": soname libcuda.so.1, required, real file in lib64");
        for (size_t i = 0; i < ELEMENTSOF_T(h100_libs); i++) {
                char *name = fmt("%s.so.%s", h100_libs[i].stem, VERSION);
                const struct driver_file *x = find(f, name);
                const char *soname = h100_libs[i].soname ? h100_libs[i].soname : name;
                if (!x || !streq_safe(x->soname, soname) || x->kind != DRIVER_FILE_LIBRARY)
                        ok(false, "%s has soname %s (got %s)", name, soname, x ? x->soname : "nothing");
                free(name);
        }
        const struct driver_file *nvvm = find(f, "libnvidia-nvvm.so." VERSION);
        const struct driver_file *gles = find(f, "libGLESv2_nvidia.so." VERSION);
        const struct driver_file *egl = find(f, "libEGL_nvidia.so." VERSION);
        const struct driver_file *glcore = find(f, "libnvidia-glcore.so." VERSION);
        ok(nvvm && streq_safe(nvvm->soname, "libnvidia-nvvm.so.4") && gles && streq_safe(gles->soname, "libGLESv2_nvidia.so.2") &&
           egl && streq_safe(egl->soname, "libEGL_nvidia.so.0") && glcore && streq_safe(glcore->soname, glcore->name),
           "sonames: nvvm .so.4, GLESv2 .so.2, EGL .so.0, glcore versioned in full");
        const struct driver_file *smi = find(f, "nvidia-smi");
        const struct driver_file *icd = find(f, "nvidia_icd.json");
        ok(smi && smi->kind == DRIVER_FILE_BINARY && !smi->soname && ends_with(smi->host_path, "/" NVROOT "/bin/nvidia-smi"),
           "nvidia-smi from the driver root's bin");
        ok(icd && icd->kind == DRIVER_FILE_VULKAN_ICD && ends_with(icd->host_path, "/" NVROOT "/share/vulkan/icd.d/nvidia_icd.json"),
           "nvidia_icd.json resolved to its real file");
        driver_files_free(f);

        /* The same through an explicit driver root that is a lib dir (H100's lib -> lib64). */
        char *libdir = join(root, NVROOT "/lib");
        const char *droots[] = { libdir };
        f = NULL;
        r = run(root, droots, 1, VERSION, &f, NULL);
        cuda = r == 0 ? find(f, "libcuda.so." VERSION) : NULL;
        ok(r == 0 && cuda && ends_with(cuda->host_path, "/lib64/libcuda.so." VERSION),
           "--driver-root pointing at a lib dir link finds the real libraries (r=%d)", r);
        driver_files_free(f);
        free(libdir);

        /* The module is another version: every library is stale. */
        char *err = NULL;
        f = NULL;
        r = run(root, NULL, 0, "575.57.08", &f, &err);
        ok(r == -EPROTO && !f, "libraries of another version than the module's: -EPROTO (r=%d)", r);
        ok_contains(err, VERSION, "the error");
        ok_contains(err, "575.57.08", "the error");
        ok_contains(err, "reboot or reinstall the driver, then run gpucdi generate", "the error");
        free(err);

        /* A group-writable library must not be bind-mounted into containers. */
        chmod_at(root, NVROOT "/lib64/libnvidia-ml.so." VERSION, 0775);
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, &err);
        ok(r == -EPERM && !f, "a group-writable library is refused (r=%d)", r);
        ok_contains(err, "libnvidia-ml.so." VERSION, "the error");
        ok_contains(err, "chmod go-w", "the error");
        free(err);
        chmod_at(root, NVROOT "/lib64/libnvidia-ml.so." VERSION, 0755);

        /* Nor one in a directory others may write: they could rename it away and put theirs there. */
        chmod_at(root, NVROOT "/lib64", 0775);
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, &err);
        ok(r == -EPERM && !f, "a library in a group-writable directory is refused (r=%d)", r);
        ok_contains(err, NVROOT "/lib64 is writable by group or others", "the error");
        ok_contains(err, "chmod go-w", "the error");
        free(err);
        chmod_at(root, NVROOT "/lib64", 01777);
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, NULL);
        ok(r == 0 && f, "a sticky directory keeps others from replacing the file (r=%d)", r);
        driver_files_free(f);
        chmod_at(root, NVROOT "/lib64", 0755);

        /* An optional library's dangling link is only a warning. */
        char *fbc = join(root, NVROOT "/lib64/libnvidia-fbc.so." VERSION);
        unlink(fbc);
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, &err);
        ok(r == 0 && !find(f, "libnvidia-fbc.so." VERSION) && strstr(err, "libnvidia-fbc.so.1") && strstr(err, "warning"),
           "a dangling optional library link is skipped with a warning (r=%d)", r);
        driver_files_free(f);
        free(err);

        /* Of several such links, the warning names the first by name, whatever the directory order. */
        for (char c = '9'; c >= '2'; c--) {
                char *l = fmt("%s/lib64/libnvidia-fbc.so.%c", NVROOT, c);
                symlink_at(root, l, "nowhere");
                free(l);
        }
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, &err);
        ok(r == 0 && strstr(err, "lib64/libnvidia-fbc.so.1 leads nowhere"),
           "the first dangling link by name is reported (r=%d)", r);
        driver_files_free(f);
        free(err);
        for (char c = '9'; c >= '2'; c--) {
                char *l = fmt("%s/%s/lib64/libnvidia-fbc.so.%c", root, NVROOT, c);
                unlink(l);
                free(l);
        }
        free(fbc);

        /* Without libnvidia-ml, CUDA containers cannot work: name what was searched. */
        static const char *const ml[] = { NVROOT "/lib64/libnvidia-ml.so." VERSION, NVROOT "/lib64/libnvidia-ml.so.1",
                                          NVROOT "/lib64/libnvidia-ml.so", "lib/libnvidia-ml.so.1" };
        for (size_t i = 0; i < ELEMENTSOF_T(ml); i++) {
                char *p = join(root, ml[i]);
                unlink(p);
                free(p);
        }
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, &err);
        ok(r == -ENOENT && !f, "a missing required library: -ENOENT (r=%d)", r);
        ok_contains(err, "libnvidia-ml", "the error");
        ok_contains(err, NVROOT, "the error");
        ok_contains(err, "etc/ld.so.cache", "the error");
        ok_contains(err, "--driver-root", "the error");
        free(err);

        /* A corrupt ld.so.cache is an error naming it, not a silent gap. */
        write_at(root, "etc/ld.so.cache", "glibc-ld.so.cache1.1 but nothing else");
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, &err);
        ok(r == -EBADMSG && strstr(err, "etc/ld.so.cache"), "a corrupt ld.so.cache is -EBADMSG naming it (r=%d)", r);
        free(err);

        rm_rf(root);
        free(root);
}

/* Debian/Ubuntu: libraries in /usr/lib/x86_64-linux-gnu, known only through ld.so.cache. */
static void test_ldcache_only(void) {
#if defined(__x86_64__) && !defined(__ILP32__)
        char *root = make_tempdir();
        const char *libdir = "usr/lib/x86_64-linux-gnu";
        install_libs(root, libdir, VERSION);
        /* a 32-bit libnvidia-fbc only: ignored on x86-64 */
        write_at(root, "usr/lib/i386-linux-gnu/libnvidia-fbc.so." VERSION, "");
        symlink_at(root, "usr/lib/i386-linux-gnu/libnvidia-fbc.so.1", "libnvidia-fbc.so." VERSION);
        char *fbc64 = fmt("%s/%s/libnvidia-fbc.so." VERSION, root, libdir);
        unlink(fbc64);
        free(fbc64);

        struct test_ldentry e[ELEMENTSOF_T(h100_libs) + 1];
        char *values[ELEMENTSOF_T(h100_libs)];
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF_T(h100_libs); i++) {
                char *file = fmt("%s.so.%s", h100_libs[i].stem, VERSION);
                const char *key = h100_libs[i].soname ? h100_libs[i].soname : file;
                values[i] = fmt("/%s/%s", libdir, key);
                if (!streq(h100_libs[i].stem, "libnvidia-fbc"))
                        e[n++] = (struct test_ldentry) { h100_libs[i].soname ? h100_libs[i].soname : strdup(file), values[i], 0x0303 };
                free(file);
        }
        e[n++] = (struct test_ldentry) { "libnvidia-fbc.so.1", "/usr/lib/i386-linux-gnu/libnvidia-fbc.so.1", 0x0003 };
        size_t size;
        uint8_t *d = ldcache_build(e, n, false, true, &size);
        write_bytes_at(root, "etc/ld.so.cache", d, size);
        free(d);
        write_at(root, "usr/bin/nvidia-smi", "");
        write_at(root, "usr/share/vulkan/icd.d/nvidia_icd.json", "{}\n");

        struct driver_files *f = NULL;
        int r = run(root, NULL, 0, VERSION, &f, NULL);
        const struct driver_file *cuda = r == 0 ? find(f, "libcuda.so." VERSION) : NULL;
        const struct driver_file *glcore = r == 0 ? find(f, "libnvidia-glcore.so." VERSION) : NULL;
        ok(r == 0 && cuda && ends_with(cuda->host_path, "/usr/lib/x86_64-linux-gnu/libcuda.so." VERSION) && glcore,
           "libraries known only to ld.so.cache are found (r=%d)", r);
        ok(r == 0 && !find(f, "libnvidia-fbc.so." VERSION), "a 32-bit cache entry is not used on x86-64");
        const struct driver_file *smi = r == 0 ? find(f, "nvidia-smi") : NULL;
        ok(smi && ends_with(smi->host_path, "/usr/bin/nvidia-smi"), "nvidia-smi from the host's /usr/bin");
        driver_files_free(f);
        for (size_t i = 0; i < ELEMENTSOF_T(h100_libs); i++) {
                if (!h100_libs[i].soname && !streq(h100_libs[i].stem, "libnvidia-fbc"))
                        for (size_t j = 0; j < n; j++)
                                if (e[j].value == values[i])
                                        free((char *) e[j].key);
                free(values[i]);
        }
        rm_rf(root);
        free(root);
#else
        tap_skip("x86-64 only", "libraries known only to ld.so.cache");
#endif
}

/* NixOS: /run/opengl-driver -> a store path whose lib/ links into the driver's store path. */
static void test_nixos(void) {
        char *root = make_tempdir();
        const char *store = "nix/store/0000-nvidia-x11-" VERSION;
        char *lib = fmt("%s/%s", store, "lib");
        install_libs(root, lib, VERSION);
        write_at(root, "nix/store/0000-nvidia-x11-" VERSION "/bin/nvidia-smi", "");
        for (size_t i = 0; i < ELEMENTSOF_T(h100_libs); i++) {
                const char *soname = h100_libs[i].soname;
                char *file = fmt("%s.so.%s", h100_libs[i].stem, VERSION);
                char *link = fmt("nix/store/1111-graphics-drivers/lib/%s", soname ? soname : file);
                char *target = fmt("/%s/%s", lib, soname ? soname : file);
                symlink_at(root, link, target);
                free(file);
                free(link);
                free(target);
        }
        symlink_at(root, "run/opengl-driver", "/nix/store/1111-graphics-drivers");
        symlink_at(root, "run/current-system/sw/bin/nvidia-smi", "/nix/store/0000-nvidia-x11-" VERSION "/bin/nvidia-smi");

        struct driver_files *f = NULL;
        int r = run(root, NULL, 0, VERSION, &f, NULL);
        const struct driver_file *cuda = r == 0 ? find(f, "libcuda.so." VERSION) : NULL;
        const struct driver_file *smi = r == 0 ? find(f, "nvidia-smi") : NULL;
        size_t libs = 0;
        for (size_t i = 0; r == 0 && i < f->n_files; i++)
                libs += f->files[i].kind == DRIVER_FILE_LIBRARY;
        ok(r == 0 && libs == ELEMENTSOF_T(h100_libs) && cuda && ends_with(cuda->host_path, "/nix/store/0000-nvidia-x11-" VERSION "/lib/libcuda.so." VERSION),
           "NixOS: /run/opengl-driver followed into the store inside the host root (r=%d, %zu libraries)", r, libs);
        ok(smi && startswith(smi->host_path, root) && ends_with(smi->host_path, "/bin/nvidia-smi"),
           "NixOS: nvidia-smi through /run/current-system/sw/bin");
        driver_files_free(f);

        /* A driver root that does not exist is an error when given, silence when defaulted. */
        char *missing = join(root, "no-such-dir");
        const char *droots[] = { missing };
        char *err = NULL;
        f = NULL;
        r = run(root, droots, 1, VERSION, &f, &err);
        ok(r == -ENOENT && strstr(err, "no-such-dir") && strstr(err, "--driver-root"), "a missing --driver-root is an error naming it (r=%d)", r);
        free(err);
        free(missing);
        free(lib);
        rm_rf(root);
        free(root);
}

/* Links are the host's: climbing above its root stops at its root, and loops are errors. */
static void test_links(void) {
        char *root = make_tempdir();
        static const char *const stems[] = { "libcuda", "libnvidia-ml" };
        for (size_t i = 0; i < ELEMENTSOF_T(stems); i++) {
                char *file = fmt("opt/driver/%s.so." VERSION, stems[i]);
                char *link = fmt(NVROOT "/lib64/%s.so.1", stems[i]);
                char *target = fmt("../../../../../../../../../../opt/driver/%s.so." VERSION, stems[i]);
                write_at(root, file, "");
                symlink_at(root, link, target);
                free(file);
                free(link);
                free(target);
        }
        struct driver_files *f = NULL;
        int r = run(root, NULL, 0, VERSION, &f, NULL);
        const struct driver_file *cuda = r == 0 ? find(f, "libcuda.so." VERSION) : NULL;
        char *want = join(root, "opt/driver/libcuda.so." VERSION);
        ok(cuda && streq(cuda->host_path, want), "a relative link climbing above the host root resolves inside it (r=%d)", r);
        driver_files_free(f);
        free(want);

        symlink_at(root, NVROOT "/lib64/libnvidia-fbc.so.1", "libnvidia-fbc.so.1");
        char *err = NULL;
        f = NULL;
        r = run(root, NULL, 0, VERSION, &f, &err);
        ok(r == -ELOOP && !f && strstr(err, "libnvidia-fbc.so.1"), "a symlink loop is an error naming it (r=%d)", r);
        free(err);
        rm_rf(root);
        free(root);
}

/* With the host root "/", files must be root's: what the hook's safety rests on. */
static void test_ownership(void) {
        char *dir = make_tempdir();
        install_libs(dir, "lib", VERSION);
        if (geteuid() == 0) {
                char *p = join(dir, "lib/libcuda.so." VERSION);
                if (chown(p, 65534, 65534) < 0)
                        tap_diag("chown failed");
                free(p);
        }
        char *lib = join(dir, "lib");
        const char *droots[] = { lib };
        char *err = NULL;
        struct driver_files *f = NULL;
        int r = run("/", droots, 1, VERSION, &f, &err);
        ok(r == -EPERM && !f, "host root /: a library not owned by root is refused (r=%d)", r);
        /* As root only libcuda was given away; otherwise every library is the caller's and the
         * first one checked is named. */
        ok_contains(err, geteuid() == 0 ? "libcuda.so." VERSION : ".so." VERSION, "the error");
        ok_contains(err, "not root", "the error");
        free(err);

        /* Under a test root, the test user's own files stand in for root's. */
        f = NULL;
        r = run(dir, droots, 1, VERSION, &f, NULL);
        ok(geteuid() == 0 ? r == -EPERM : r == 0, "under a test root only root's or the caller's files pass (r=%d)", r);
        driver_files_free(f);

        /* Root's file in a directory another user owns: that user could replace it. */
        if (geteuid() == 0) {
                char *p = join(dir, "lib/libcuda.so." VERSION);
                if (chown(p, 0, 0) < 0 || chown(lib, 65534, 65534) < 0)
                        tap_diag("chown failed");
                free(p);
                err = NULL;
                f = NULL;
                r = run("/", droots, 1, VERSION, &f, &err);
                ok(r == -EPERM && !f, "host root /: a library in a directory not owned by root is refused (r=%d)", r);
                ok_contains(err, "its directory", "the error");
                ok_contains(err, "owned by uid 65534", "the error");
                free(err);
        } else
                tap_skip("not root", "host root /: a library in a directory not owned by root is refused");
        free(lib);
        rm_rf(dir);
        free(dir);
}

static void test_table(void) {
        size_t required = 0, libs = 0;
        bool names_ok = true;
        for (size_t i = 0; i < n_driver_file_patterns; i++) {
                const struct driver_file_pattern *p = &driver_file_patterns[i];
                required += p->required;
                libs += p->kind == DRIVER_FILE_LIBRARY;
                if (!p->name || !p->group || (p->kind != DRIVER_FILE_LIBRARY && p->soname_suffix))
                        names_ok = false;
                for (size_t j = 0; j < i; j++)
                        if (streq(driver_file_patterns[j].name, p->name))
                                names_ok = false;
        }
        ok(required == 2 && libs >= ELEMENTSOF_T(h100_libs) && names_ok,
           "table: %zu patterns, %zu libraries, libcuda and libnvidia-ml required, names unique", n_driver_file_patterns, libs);
        ok(streq(driver_file_kind_name(DRIVER_FILE_EGL_VENDOR), "egl-vendor") && !driver_file_kind_name(_DRIVER_FILE_KIND_MAX),
           "kind names");
}

int main(int argc, char **argv) {
        const char *refdir = argc > 1 && access(argv[1], F_OK) == 0 ? argv[1] : NULL;
        test_h100(refdir);
        test_ldcache_only();
        test_nixos();
        test_links();
        test_ownership();
        test_table();
        return tap_done();
}
