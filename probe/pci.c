/* GPU enumeration through libpci's sysfs back end, pointed at <sysfs-root>/bus/pci so that fake
 * trees work exactly like the real /sys. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <sys/stat.h>

#include "probe-internal.h"
#include "util.h"

/* PCI base class 0x03 subclasses that are GPUs: VGA, 3D controller, display controller. */
static const uint16_t gpu_classes[] = { 0x0300, 0x0302, 0x0380 };

struct pci_error_ctx {
        jmp_buf jump;
        char msg[512];
};

/* libpci reports fatal errors through a callback that has no context argument and must not return
 * (its default calls exit()). The only way back is a longjmp to the enumeration running on this
 * thread, which this pointer names while libpci is in use. */
static _Thread_local struct pci_error_ctx *pci_error_current;

_printf_(1, 2) __attribute__((noreturn)) static void pci_error_cb(char *msg, ...) {
        struct pci_error_ctx *ctx = pci_error_current;
        if (!ctx)
                abort(); /* libpci called outside pci_enumerate_gpus(): cannot happen */
        va_list ap;
        va_start(ap, msg);
        vsnprintf(ctx->msg, sizeof ctx->msg, msg, ap);
        va_end(ap);
        longjmp(ctx->jump, 1);
}

/* libpci warns when it cannot read config space (unprivileged, or fake trees without a config
 * file); everything we use comes from sysfs attributes and is checked below, so stay quiet. */
_printf_(1, 2) static void pci_quiet_cb(char *msg, ...) {}

int pci_addr_parse(const char *s, unsigned *ret_domain, unsigned *ret_bus, unsigned *ret_dev, unsigned *ret_func) {
        unsigned dom, bus, dev, func;
        int n = -1;
        if (sscanf(s, "%8x:%2x:%2x.%1u%n", &dom, &bus, &dev, &func, &n) != 4 || n < 0 || s[n] != 0)
                return -EINVAL;
        /* sscanf accepts signs and spaces; insist on hex digits where they belong */
        for (const char *p = s; *p; p++)
                if (!(isxdigit((unsigned char) *p) || *p == ':' || *p == '.'))
                        return -EINVAL;
        if (dev > 0x1f || func > 7)
                return -EINVAL;
        *ret_domain = dom;
        *ret_bus = bus;
        *ret_dev = dev;
        *ret_func = func;
        return 0;
}

int pci_addr_compare(const char *a, const char *b) {
        unsigned da, ba, sa, fa, db, bb, sb, fb;
        if (pci_addr_parse(a, &da, &ba, &sa, &fa) < 0 || pci_addr_parse(b, &db, &bb, &sb, &fb) < 0) {
                /* strcmp() promises only the sign: glibc's aarch64 version returns other magnitudes
                 * for (a, b) than for (b, a), so pass on the sign alone. */
                int r = strcmp(a, b);
                return (r > 0) - (r < 0);
        }
        uint64_t ka = (uint64_t) da << 16 | ba << 8 | sa << 3 | fa;
        uint64_t kb = (uint64_t) db << 16 | bb << 8 | sb << 3 | fb;
        return ka < kb ? -1 : ka > kb;
}

static int gpu_compare(const void *a, const void *b) {
        return pci_addr_compare(((const struct gpu *) a)->pci_addr, ((const struct gpu *) b)->pci_addr);
}

static bool is_gpu_class(uint16_t cls) {
        for (size_t i = 0; i < ELEMENTSOF(gpu_classes); i++)
                if (gpu_classes[i] == cls)
                        return true;
        return false;
}

struct gpu_list {
        struct gpu *gpus;
        size_t n;
        char bad_file[PATH_MAX];
};

/* The bound driver is the name the device's driver link points to. One readlink: libpci's
 * PCI_FILL_DRIVER resolves the whole path, a dozen syscalls per device. */
static int read_driver(const char *pci_path, struct gpu *g, struct gpu_list *list) {
        char link[PATH_MAX], target[PATH_MAX];
        snprintf(link, sizeof link, "%s/devices/%s/driver", pci_path, g->pci_addr);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k < 0) {
                if (errno == ENOENT)
                        return 0; /* unbound */
                snprintf(list->bad_file, sizeof list->bad_file, "%s", link);
                return -errno;
        }
        target[k] = 0;
        const char *name = strrchr(target, '/');
        name = name ? name + 1 : target;
        if (!*name || strlen(name) >= sizeof g->driver) {
                snprintf(list->bad_file, sizeof list->bad_file, "%s", link);
                return -EBADMSG;
        }
        strcpy(g->driver, name);
        return 0;
}

/* Runs under the longjmp guard: only touches state reachable through list, never locals of the caller. */
static int pci_collect(struct pci_access *acc, const char *pci_path, struct gpu_list *list) {
        pci_init(acc);
        pci_scan_bus(acc);

        for (struct pci_dev *d = acc->devices; d; d = d->next) {
                enum gpu_vendor vendor;

                pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
                if (gpu_vendor_from_pci_id(d->vendor_id, &vendor) < 0 || !is_gpu_class(d->device_class))
                        continue;
                /* Only GPUs pay for the rest. */
                pci_fill_info(d, PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS | PCI_FILL_NUMA_NODE);

                struct gpu *n = realloc(list->gpus, (list->n + 1) * sizeof(struct gpu));
                if (!n)
                        return -ENOMEM;
                list->gpus = n;
                struct gpu *g = &n[list->n];
                *g = (struct gpu) {
                        .vendor = vendor,
                        .vendor_id = d->vendor_id,
                        .device_id = d->device_id,
                        .subsys_vendor_id = d->subsys_vendor_id,
                        .subsys_device_id = d->subsys_id,
                        .class_code = (uint32_t) d->device_class << 8 | d->prog_if,
                        .numa_node = d->numa_node >= 0 ? d->numa_node : -1,
                        .card_minor = -1,
                        .render_minor = -1,
                        .nv_minor = -1,
                };
                snprintf(g->pci_addr, sizeof g->pci_addr, "%04x:%02x:%02x.%u",
                         (unsigned) d->domain, d->bus, d->dev, d->func);

                /* libpci turns an unparsable attribute into 0 and a missing one into config-space
                 * reads (0xffff when unreadable): neither is a real device id. */
                if (d->device_id == 0 || d->device_id == 0xffff) {
                        snprintf(list->bad_file, sizeof list->bad_file, "%s/devices/%s/device", pci_path, g->pci_addr);
                        return -EBADMSG;
                }

                int r = read_driver(pci_path, g, list);
                if (r < 0)
                        return r;
                list->n++;
        }
        return 0;
}

static int check_device_names(const char *devices) {
        _cleanup_closedir_ DIR *d = opendir(devices);
        if (!d)
                return log_error_errno(-errno, "Failed to open %s: %m", devices);
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                unsigned dom, bus, dev, func;
                if (de->d_name[0] == '.')
                        continue;
                if (pci_addr_parse(de->d_name, &dom, &bus, &dev, &func) < 0) {
                        r = log_error_errno(-EBADMSG, "Malformed %s: entry \"%s\" is not a PCI address; check the sysfs tree (--sysfs-root)",
                                            devices, de->d_name);
                        break;
                }
        }
        return r;
}

static bool endswith_driver(const char *path) {
        size_t n = strlen(path);
        return n >= 7 && streq(path + n - 7, "/driver");
}

int pci_enumerate_gpus(const char *sysfs_root, struct gpu **ret_gpus, size_t *ret_n) {
        _cleanup_free_ char *pci_path = NULL, *devices = NULL;
        int r;

        r = path_join(sysfs_root, "bus/pci", &pci_path);
        if (r < 0)
                return r;
        r = path_join(pci_path, "devices", &devices);
        if (r < 0)
                return r;
        struct stat st;
        if (stat(devices, &st) < 0) {
                if (errno != ENOENT)
                        return log_error_errno(-errno, "Failed to access %s: %m", devices);
                /* A machine (or fake tree) without PCI simply has no PCI GPUs. */
                *ret_gpus = NULL;
                *ret_n = 0;
                return 0;
        }

        /* libpci aborts its scan on a name that is not an address, leaking its open directory on the way
         * out through our longjmp: catch that case first, with a clearer message. */
        r = check_device_names(devices);
        if (r < 0)
                return r;

        /* Heap-allocated so that its contents are well defined after a longjmp. */
        _cleanup_free_ struct gpu_list *list = calloc(1, sizeof *list);
        if (!list)
                return -ENOMEM;

        struct pci_access *acc = pci_alloc();
        if (!acc)
                return log_error_errno(-ENOMEM, "Failed to allocate libpci state: %m");
        acc->error = pci_error_cb;
        acc->warning = pci_quiet_cb;
        acc->debug = pci_quiet_cb;
        acc->method = PCI_ACCESS_SYS_BUS_PCI;
        /* Never consult pci.ids, DNS or the hwdb: we print numbers. */
        acc->numeric_ids = 1;

        struct pci_error_ctx ctx = {};
        if (pci_set_param(acc, (char *) "sysfs.path", pci_path) < 0) {
                pci_cleanup(acc);
                return log_error_errno(-EINVAL, "This libpci has no sysfs.path parameter");
        }

        pci_error_current = &ctx;
        if (setjmp(ctx.jump) == 0)
                r = pci_collect(acc, pci_path, list);
        else
                r = log_error_errno(-EBADMSG, "Failed to read PCI devices under %s: %s", pci_path, ctx.msg);
        pci_error_current = NULL;
        pci_cleanup(acc);

        if (r == -EBADMSG && list->bad_file[0])
                r = log_error_errno(r, "Malformed %s: not a %s; check the sysfs tree (--sysfs-root)", list->bad_file,
                                    endswith_driver(list->bad_file) ? "driver link" : "PCI device id");
        else if (r < 0 && list->bad_file[0])
                r = log_error_errno(r, "Failed to read %s: %m", list->bad_file);
        if (r < 0) {
                free(list->gpus);
                return r;
        }

        if (list->n > 1)
                qsort(list->gpus, list->n, sizeof(struct gpu), gpu_compare);
        *ret_gpus = list->gpus;
        *ret_n = list->n;
        return 0;
}
