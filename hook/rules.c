/* The rules and the data they match against. Everything a rule knows (device numbers, paths,
 * capabilities, podman's defaults) is in the tables below; the check functions only walk them. */
#include "rules.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/capability.h>

#include "util.h"

#define MAX_ITEMS 6

struct eval {
        const struct rules_input *in;
        const struct oci_config *cfg;
        char ***items;            /* per rule: what was found */
        size_t *n_items;
        struct cdispec_grant grant;
        char **src_lex, **src_res; /* per mount: normalised and resolved bind source, or NULL */
        bool *src_trusted;        /* per mount: the source comes from a requested CDI device's spec */
};

_printf_(3, 4)
static void add(struct eval *e, size_t rule, const char *fmt, ...) {
        va_list ap;
        char *s;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();  /* out of memory while judging: never let a container through by accident */
        if (hook_strv_push(&e->items[rule], &e->n_items[rule], s) < 0)
                abort();
        free(s);
}

static size_t rule_index(const char *id) {
        int i = rules_find(id);
        if (i < 0)
                abort();  /* a table names a rule that does not exist: a build-time mistake */
        return (size_t) i;
}

/* ---- devices ---------------------------------------------------------------------------- */

enum dev_class { DEV_OTHER, DEV_GPU, DEV_SENSITIVE };

/* Fixed-major GPU nodes. */
static const int gpu_majors[] = { 195 /* nvidia, nvidiactl, nvidia-modeset */, 226 /* drm */ };
/* Names of dynamic majors in /proc/devices that are GPU nodes. */
static const char *const gpu_major_names[] = {
        "nvidia-uvm", "nvidia-caps", "nvidia-caps-imex-channels", "nvidia-nvlink", "nvidia-nvswitch",
        "nvidia-frontend", "nvidia", "nvidiactl", "kfd", "drm",
};
/* Container or host paths of GPU nodes (fnmatch patterns, matched per path component). */
static const char *const gpu_paths[] = { "/dev/nvidia*", "/dev/dri", "/dev/kfd" };

struct sensitive_dev {
        char type;
        int major, minor;         /* -1: any */
        const char *major_name;   /* dynamic major, from /proc/devices */
        const char *label;
};

static const struct sensitive_dev sensitive_devs[] = {
        { 'b', -1, -1, NULL, "a block device: raw access to host disks" },
        { 'c', 1, 1, NULL, "physical memory" },
        { 'c', 1, 2, NULL, "kernel memory" },
        { 'c', 1, 4, NULL, "I/O ports" },
        { 'c', 1, 11, NULL, "the kernel log" },
        { 'c', 4, 0, NULL, "the active virtual console" },
        { 'c', 5, 1, NULL, "the system console" },
        { 'c', 7, -1, NULL, "virtual console contents" },
        { 'c', 10, 130, NULL, "the watchdog: closing it reboots the host" },
        { 'c', 10, 144, NULL, "firmware NVRAM" },
        { 'c', 10, 196, NULL, "VFIO: PCI device passthrough with DMA" },
        { 'c', 10, 223, NULL, "uinput: keystroke injection" },
        { 'c', 10, 224, NULL, "the TPM" },
        { 'c', 10, 231, NULL, "the hibernation image" },
        { 'c', 10, 234, NULL, "btrfs control" },
        { 'c', 10, 236, NULL, "device-mapper control" },
        { 'c', 10, 237, NULL, "loop device control" },
        { 'c', 13, -1, NULL, "input devices (keyboards, mice)" },
        { 'c', 21, -1, NULL, "SCSI generic: raw disk commands" },
        { 'c', 90, -1, NULL, "MTD flash" },
        { 'c', 189, -1, NULL, "raw USB devices" },
        { 'c', 202, -1, NULL, "CPU model-specific registers" },
        { 'c', -1, -1, "watchdog", "the watchdog: closing it reboots the host" },
        { 'c', -1, -1, "vfio", "VFIO: PCI device passthrough with DMA" },
        { 'c', -1, -1, "bsg", "SCSI generic: raw disk commands" },
        { 'c', -1, -1, "nvme", "NVMe admin commands" },
        { 'c', -1, -1, "nvme-generic", "NVMe admin commands" },
        { 'c', -1, -1, "mei", "the Intel management engine" },
        { 'c', -1, -1, "tpm", "the TPM" },
        { 'c', -1, -1, "tpmrm", "the TPM" },
        { 'c', -1, -1, "ipmidev", "the BMC (IPMI)" },
        { 'c', -1, -1, "hidraw", "raw HID devices" },
        { 'c', -1, -1, "dax", "persistent memory" },
        { 'c', -1, -1, "mtd", "MTD flash" },
};

static bool dynamic_major(int64_t major) {
        return (major >= 234 && major <= 254) || (major >= 384 && major <= 511);
}

static bool path_match(const char *pattern, const char *path, bool allow_under, bool allow_above);

static bool gpu_path(const char *path) {
        for (size_t i = 0; path && i < ELEMENTSOF(gpu_paths); i++)
                if (path_match(gpu_paths[i], path, true, false))
                        return true;
        return false;
}

/* Classify a node or a cgroup rule (minor -1 = any). */
static enum dev_class classify(struct host *h, char type, int64_t major, int64_t minor, const char *path,
                               const char **ret_label) {
        *ret_label = NULL;
        if (type == 'c') {
                for (size_t i = 0; i < ELEMENTSOF(gpu_majors); i++)
                        if (major == gpu_majors[i])
                                return DEV_GPU;
                if (gpu_path(path))
                        return DEV_GPU;
        }
        const char *name = NULL;
        if (dynamic_major(major))
                name = host_major_name(h, type, major);
        for (size_t i = 0; name && type == 'c' && i < ELEMENTSOF(gpu_major_names); i++)
                if (streq(name, gpu_major_names[i]))
                        return DEV_GPU;
        for (size_t i = 0; i < ELEMENTSOF(sensitive_devs); i++) {
                const struct sensitive_dev *s = &sensitive_devs[i];
                if (s->type != type)
                        continue;
                if (s->major_name ? !(name && streq(name, s->major_name))
                                  : (s->major >= 0 && s->major != major))
                        continue;
                if (s->minor >= 0 && minor >= 0 && s->minor != minor)
                        continue;
                *ret_label = s->label;
                return DEV_SENSITIVE;
        }
        return DEV_OTHER;
}

static bool gpu_drivers_loaded(struct host *h) {
        if (host_major_name(h, 'c', 195) || host_major_name(h, 'c', 226))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(gpu_major_names); i++)
                if (host_has_major_named(h, 'c', gpu_major_names[i]))
                        return true;
        return false;
}

static bool rule_allows_all(const struct oci_cgroup_rule *r) {
        return r->allow && r->rw && (r->type == 'a' || r->major < 0);
}

static void fmt_num(char *buf, size_t n, int64_t v) {
        if (v < 0)
                snprintf(buf, n, "*");
        else
                snprintf(buf, n, "%jd", (intmax_t) v);
}

/* ---- paths ------------------------------------------------------------------------------ */

/* Component-wise fnmatch: equal; or path below pattern (allow_under); or path a proper ancestor of
 * pattern other than "/" (allow_above: mounting it exposes the pattern). */
static bool path_match(const char *pattern, const char *path, bool allow_under, bool allow_above) {
        const char *p = pattern, *s = path;
        size_t depth = 0;
        for (;;) {
                while (*p == '/')
                        p++;
                while (*s == '/')
                        s++;
                if (!*p)
                        return !*s || allow_under;
                if (!*s)
                        return allow_above && depth > 0;
                const char *pe = strchrnul(p, '/'), *se = strchrnul(s, '/');
                char pc[256], sc[256];
                if ((size_t) (pe - p) >= sizeof pc || (size_t) (se - s) >= sizeof sc)
                        return false;
                memcpy(pc, p, (size_t) (pe - p));
                pc[pe - p] = 0;
                memcpy(sc, s, (size_t) (se - s));
                sc[se - s] = 0;
                if (fnmatch(pc, sc, 0) != 0)
                        return false;
                p = pe;
                s = se;
                depth++;
        }
}

enum match {
        M_EXACT, M_UNDER, M_ABOVE /* exact or ancestor */, M_COVERS /* under or ancestor */,
        /* A proper ancestor mounted read-only: "ro" of a recursive bind applies to its top mount
         * only, so the kernel filesystems mounted below it stay writable. (A writable one is
         * mount-sys-writable already.) */
        M_PARENT_RO,
};

struct mount_pattern {
        const char *pattern;
        enum match match;
        bool rw_only;
        const char *rule;
        const char *label;
};

static const struct mount_pattern mount_patterns[] = {
        { "/", M_EXACT, false, "mount-host-root", "the host's root filesystem" },
        { "/dev", M_EXACT, false, "mount-host-dev", "the host's /dev" },
        { "/dev/shm", M_UNDER, false, "ns-host-ipc", "the host's shared memory" },
        { "/dev/mqueue", M_UNDER, false, "ns-host-ipc", "the host's message queues" },
        { "/dev/nvidia*", M_UNDER, false, "gpu-not-requested", "host NVIDIA nodes" },
        { "/dev/dri", M_UNDER, false, "gpu-not-requested", "host DRM nodes" },
        { "/dev/kfd", M_UNDER, false, "gpu-not-requested", "the host's AMD KFD node" },
        { "/dev/disk", M_UNDER, false, "host-device-sensitive", "host disks" },
        { "/dev/mapper", M_UNDER, false, "host-device-sensitive", "host device-mapper volumes" },
        { "/dev/input", M_UNDER, false, "host-device-sensitive", "host input devices" },
        { "/dev/bus", M_UNDER, false, "host-device-sensitive", "host USB devices" },
        { "/dev/vfio", M_UNDER, false, "host-device-sensitive", "VFIO" },
        { "/dev/cpu", M_UNDER, false, "host-device-sensitive", "CPU registers" },
        { "/dev/mem", M_EXACT, false, "host-device-sensitive", "physical memory" },
        { "/dev/kmem", M_EXACT, false, "host-device-sensitive", "kernel memory" },
        { "/dev/port", M_EXACT, false, "host-device-sensitive", "I/O ports" },
        { "/dev/kmsg", M_EXACT, false, "host-device-sensitive", "the kernel log" },
        { "/dev/sd*", M_EXACT, false, "host-device-sensitive", "a host disk" },
        { "/dev/nvme*", M_EXACT, false, "host-device-sensitive", "a host disk" },
        { "/dev/vd*", M_EXACT, false, "host-device-sensitive", "a host disk" },
        { "/dev/loop*", M_EXACT, false, "host-device-sensitive", "a loop device" },
        { "/dev/dm-*", M_EXACT, false, "host-device-sensitive", "a device-mapper volume" },
        { "/dev/watchdog*", M_EXACT, false, "host-device-sensitive", "the watchdog" },
        { "/proc", M_UNDER, false, "mount-host-proc", "the host's /proc" },
        { "/sys/kernel/debug", M_UNDER, false, "mount-kernel-fs", "debugfs" },
        { "/sys/kernel/tracing", M_UNDER, false, "mount-kernel-fs", "tracefs" },
        { "/sys/kernel/security", M_UNDER, false, "mount-kernel-fs", "securityfs" },
        { "/sys/kernel/config", M_UNDER, false, "mount-kernel-fs", "configfs" },
        { "/sys/fs/bpf", M_UNDER, false, "mount-kernel-fs", "pinned BPF objects" },
        { "/sys/firmware/efi/efivars", M_UNDER, false, "mount-kernel-fs", "EFI variables" },
        { "/sys/fs/pstore", M_UNDER, false, "mount-kernel-fs", "pstore" },
        { "/sys/kernel/debug", M_PARENT_RO, false, "mount-kernel-fs", "debugfs, writable below a read-only recursive bind" },
        { "/sys/kernel/tracing", M_PARENT_RO, false, "mount-kernel-fs", "tracefs, writable below a read-only recursive bind" },
        { "/sys/kernel/security", M_PARENT_RO, false, "mount-kernel-fs", "securityfs, writable below a read-only recursive bind" },
        { "/sys/kernel/config", M_PARENT_RO, false, "mount-kernel-fs", "configfs, writable below a read-only recursive bind" },
        { "/sys/fs/bpf", M_PARENT_RO, false, "mount-kernel-fs", "bpffs, writable below a read-only recursive bind" },
        { "/sys/fs/cgroup", M_PARENT_RO, false, "mount-kernel-fs", "the host's cgroup tree, writable below a read-only recursive bind" },
        { "/sys/fs/pstore", M_PARENT_RO, false, "mount-kernel-fs", "pstore, writable below a read-only recursive bind" },
        { "/sys/firmware/efi/efivars", M_PARENT_RO, false, "mount-kernel-fs", "EFI variables, writable below a read-only recursive bind" },
        { "/sys", M_UNDER, true, "mount-sys-writable", "the host's /sys" },
        { "/etc", M_EXACT, false, "mount-host-etc", "the host's /etc" },
        { "/etc", M_UNDER, true, "mount-host-etc", "a host configuration file" },
        { "/etc/shadow", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/shadow-", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/gshadow", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/gshadow-", M_EXACT, false, "mount-host-etc", "host password hashes" },
        { "/etc/sudoers", M_EXACT, false, "mount-host-etc", "sudo rules" },
        { "/etc/sudoers.d", M_UNDER, false, "mount-host-etc", "sudo rules" },
        { "/etc/ssh", M_UNDER, false, "mount-host-etc", "SSH host keys" },
        { "/etc/ssl/private", M_UNDER, false, "mount-host-etc", "TLS private keys" },
        { "/etc/krb5.keytab", M_EXACT, false, "mount-host-etc", "Kerberos keys" },
        { "/etc/kubernetes", M_UNDER, false, "mount-host-etc", "Kubernetes credentials" },
        { "/etc/NetworkManager/system-connections", M_UNDER, false, "mount-host-etc", "network secrets" },
        { "/etc/wireguard", M_UNDER, false, "mount-host-etc", "WireGuard keys" },
        { "/run/podman", M_COVERS, false, "mount-engine-socket", "the podman API socket" },
        { "/run/user/*/podman", M_COVERS, false, "mount-engine-socket", "a rootless podman API socket" },
        { "/run/docker.sock", M_COVERS, false, "mount-engine-socket", "the docker socket" },
        { "/run/user/*/docker.sock", M_COVERS, false, "mount-engine-socket", "a rootless docker socket" },
        { "/run/docker", M_COVERS, false, "mount-engine-socket", "docker's runtime directory" },
        { "/run/containerd", M_COVERS, false, "mount-engine-socket", "the containerd socket" },
        { "/run/crio", M_COVERS, false, "mount-engine-socket", "the CRI-O socket" },
        { "/var/lib/docker", M_COVERS, false, "mount-engine-socket", "docker's storage" },
        { "/var/lib/containerd", M_COVERS, false, "mount-engine-socket", "containerd's storage" },
        { "/var/lib/containers/storage", M_ABOVE, false, "mount-engine-socket", "podman's storage" },
        { "/var/lib/containers/storage/overlay", M_UNDER, false, "mount-engine-socket", "other containers' layers" },
        { "/var/lib/containers/storage/overlay-images", M_UNDER, false, "mount-engine-socket", "podman's images" },
        { "/var/lib/containers/storage/overlay-layers", M_UNDER, false, "mount-engine-socket", "podman's layers" },
        { "/var/lib/containers/storage/libpod", M_UNDER, false, "mount-engine-socket", "podman's database" },
        { "/run/containers/storage", M_ABOVE, false, "mount-engine-socket", "podman's run directory" },
        { "/run/dbus/system_bus_socket", M_COVERS, false, "mount-engine-socket", "the system D-Bus (systemd as root)" },
        { "/run/systemd/private", M_COVERS, false, "mount-engine-socket", "systemd's private socket" },
        { "/nix/var/nix/daemon-socket", M_COVERS, false, "mount-engine-socket", "the Nix daemon socket" },
        { "/nix/store", M_COVERS, true, "mount-nix-store-writable", "the Nix store" },
        { "/nix/var/nix/db", M_COVERS, true, "mount-nix-store-writable", "the Nix database" },
        { "/usr", M_UNDER, true, "mount-host-system-writable", "host programs and libraries" },
        { "/bin", M_UNDER, true, "mount-host-system-writable", "host programs" },
        { "/sbin", M_UNDER, true, "mount-host-system-writable", "host programs" },
        { "/lib", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/lib32", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/lib64", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/libx32", M_UNDER, true, "mount-host-system-writable", "host libraries" },
        { "/boot", M_UNDER, true, "mount-host-system-writable", "the host's kernels" },
        { "/opt", M_UNDER, true, "mount-host-system-writable", "host programs" },
        { "/root", M_UNDER, true, "mount-host-system-writable", "root's home" },
        { "/var", M_EXACT, true, "mount-host-system-writable", "the host's /var" },
        { "/var/lib", M_EXACT, true, "mount-host-system-writable", "the host's /var/lib" },
        { "/home", M_EXACT, true, "mount-host-system-writable", "every home directory" },
};

struct mount_fstype {
        const char *type;
        bool rw_only;
        bool host_cgroupns_only;
        const char *rule;
        const char *label;
};

static const struct mount_fstype mount_fstypes[] = {
        { "sysfs", true, false, "mount-sys-writable", "sysfs mounted read-write" },
        { "cgroup", true, false, "mount-sys-writable", "cgroup v1 mounted read-write (release_agent escape)" },
        { "cgroup2", true, true, "mount-sys-writable", "the host's cgroup tree mounted read-write" },
        { "debugfs", false, false, "mount-kernel-fs", "debugfs" },
        { "tracefs", false, false, "mount-kernel-fs", "tracefs" },
        { "securityfs", false, false, "mount-kernel-fs", "securityfs" },
        { "configfs", false, false, "mount-kernel-fs", "configfs" },
        { "bpf", false, false, "mount-kernel-fs", "bpffs" },
        { "efivarfs", false, false, "mount-kernel-fs", "EFI variables" },
        { "pstore", false, false, "mount-kernel-fs", "pstore" },
        { "devtmpfs", false, false, "mount-host-dev", "devtmpfs (every host device node)" },
};

/* Prefixes of NVIDIA driver files that a CDI spec mounts; they carry the driver version. */
static const char *const driver_file_prefixes[] = {
        "libcuda.so", "libcudadebugger.so", "libnvidia-", "libnvcuvid.so", "libnvoptix.so",
        "libGLX_nvidia.so", "libEGL_nvidia.so", "libGLESv1_CM_nvidia.so", "libGLESv2_nvidia.so",
        "libvdpau_nvidia.so", "nvidia-smi",
};
/* Container directories where a driver's user-space files are mounted. */
static const char *const driver_destinations[] = { "/run/opengl-driver" };

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

static bool mount_from_source(const struct oci_mount *m) {
        return m->bind && m->source && m->source[0] == '/';
}

static bool driver_mount(const struct eval *e, size_t i) {
        const struct oci_mount *m = &e->cfg->mounts[i];
        if (!mount_from_source(m))
                return false;
        if (e->src_trusted[i])
                return true;
        for (size_t k = 0; k < ELEMENTSOF(driver_destinations); k++)
                if (path_match(driver_destinations[k], m->destination, true, false))
                        return true;
        const char *b = base_name(m->source);
        for (size_t k = 0; k < ELEMENTSOF(driver_file_prefixes); k++)
                if (startswith(b, driver_file_prefixes[k]))
                        return true;
        return false;
}

/* A driver version suffix "NNN.NN[.NN]" (major >= 100) in a file name like libcuda.so.580.159.04. */
static const char *driver_version_of(const char *name) {
        const char *v = strstr(name, ".so.");
        if (!v)
                return NULL;
        v += 4;
        if (strspn(v, "0123456789.") != strlen(v) || !strchr(v, '.') || atoi(v) < 100)
                return NULL;
        return v;
}

static bool podman_ns_flag(int ns, const char **ret) {
        static const char *const flags[_OCI_NS_MAX] = {
                [OCI_NS_PID] = "--pid host", [OCI_NS_NET] = "--network host", [OCI_NS_IPC] = "--ipc host",
                [OCI_NS_UTS] = "--uts host", [OCI_NS_CGROUP] = "--cgroupns host",
                [OCI_NS_MOUNT] = "no mount namespace", [OCI_NS_USER] = "--userns host",
                [OCI_NS_TIME] = "host time namespace",
        };
        *ret = flags[ns];
        return flags[ns] != NULL;
}

static const char *proc_ns_name(int ns) {
        static const char *const names[_OCI_NS_MAX] = {
                [OCI_NS_PID] = "pid", [OCI_NS_NET] = "net", [OCI_NS_IPC] = "ipc", [OCI_NS_UTS] = "uts",
                [OCI_NS_MOUNT] = "mnt", [OCI_NS_USER] = "user", [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
        };
        return names[ns];
}

static bool host_ns(const struct eval *e, int ns) {
        const struct oci_config *c = e->cfg;
        if (!c->ns_present[ns])
                return true;
        return c->ns_path[ns] && host_ns_is_hosts(proc_ns_name(ns), c->ns_path[ns]);
}

/* podman 4.3's defaults: a container without them has had them removed on purpose. */
static const char *const default_masked_paths[] = {
        "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
        "/sys/dev/block",
};
static const char *const default_readonly_paths[] = {
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static bool all_caps(uint64_t caps) {
        /* --cap-add ALL and --privileged give every capability the kernel has, less one or two that
         * podman drops in some setups (CAP_SYS_RESOURCE with --ulimit): call 30 or more "all". The
         * default set has 11. */
        return __builtin_popcountll(caps) >= 30;
}

static bool any_allow_all(const struct oci_config *c) {
        for (size_t i = 0; i < c->n_cgroup_rules; i++)
                if (rule_allows_all(&c->cgroup_rules[i]))
                        return true;
        return false;
}

/* ---- checks ----------------------------------------------------------------------------- */

static void check_privileged(struct eval *e, size_t self) {
        if (all_caps(e->cfg->caps) && any_allow_all(e->cfg))
                add(e, self, "all capabilities and every host device (podman --privileged)");
}

static void check_cgroup_allow_all(struct eval *e, size_t self) {
        for (size_t i = 0; i < e->cfg->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &e->cfg->cgroup_rules[i];
                if (!rule_allows_all(r))
                        continue;
                add(e, self, "device cgroup rule '%c *:*' allows every %s", r->type,
                    r->type == 'c' ? "character device" : r->type == 'b' ? "block device" : "device");
        }
}

static void check_cap_all(struct eval *e, size_t self) {
        if (all_caps(e->cfg->caps))
                add(e, self, "all %d capabilities (--cap-add ALL)", __builtin_popcountll(e->cfg->caps));
}

static void check_cap(struct eval *e, size_t self) {
        int cap = rules_table[self].arg;
        if (e->cfg->caps & (UINT64_C(1) << cap))
                add(e, self, "%s (--cap-add %s)", oci_cap_names[cap], oci_cap_names[cap] + 4);
}

static bool in_strv(char **v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

static bool device_listed(const struct oci_config *c, char type, int64_t major, int64_t minor) {
        for (size_t i = 0; i < c->n_devices; i++)
                if (c->devices[i].type == type && c->devices[i].major == major && c->devices[i].minor == minor)
                        return true;
        return false;
}

/* Nodes whose host source is a device: classify by what it is, whatever its name. */
static void scan_mounted_nodes(struct eval *e, size_t self, enum dev_class want) {
        for (size_t i = 0; i < e->cfg->n_mounts; i++) {
                const struct oci_mount *m = &e->cfg->mounts[i];
                if (!mount_from_source(m) || e->src_trusted[i] || !e->src_res[i])
                        continue;
                struct stat st;
                if (stat(e->src_res[i], &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
                        continue;
                const char *label;
                char type = S_ISCHR(st.st_mode) ? 'c' : 'b';
                if (classify(e->in->host, type, major(st.st_rdev), minor(st.st_rdev), NULL, &label) == want)
                        add(e, self, "host %s mounted at %s", m->source, m->destination);
        }
}

static void check_sensitive_devices(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        const char *label;
        for (size_t i = 0; i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                if (classify(e->in->host, d->type, d->major, d->minor, d->path, &label) == DEV_SENSITIVE)
                        add(e, self, "%s (%c %jd:%jd, %s)", d->path, d->type, (intmax_t) d->major,
                            (intmax_t) d->minor, label);
        }
        for (size_t i = 0; i < c->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &c->cgroup_rules[i];
                if (!r->allow || !r->rw || rule_allows_all(r) || device_listed(c, r->type, r->major, r->minor))
                        continue;
                if (classify(e->in->host, r->type, r->major, r->minor, NULL, &label) != DEV_SENSITIVE)
                        continue;
                char mi[24];
                fmt_num(mi, sizeof mi, r->minor);
                add(e, self, "device cgroup rule '%c %jd:%s' (%s)", r->type, (intmax_t) r->major, mi, label);
        }
        scan_mounted_nodes(e, self, DEV_SENSITIVE);
}

static bool granted_node(const struct eval *e, const char *path) {
        if (e->in->n_requested == 0)
                return true;  /* no CDI request: the nodes listed are what the user asked for */
        return in_strv(e->grant.node_paths, e->grant.n_node_paths, path);
}

static void check_gpu_not_requested(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        const char *label;
        const char *asked = e->in->n_requested ? "not part of the requested CDI devices" : "";
        for (size_t i = 0; i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                if (classify(e->in->host, d->type, d->major, d->minor, d->path, &label) != DEV_GPU)
                        continue;
                if (!granted_node(e, d->path))
                        add(e, self, "%s (%c %jd:%jd) %s", d->path, d->type, (intmax_t) d->major,
                            (intmax_t) d->minor, asked);
        }
        for (size_t i = 0; i < c->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &c->cgroup_rules[i];
                if (!r->allow || !r->rw || rule_allows_all(r))
                        continue;
                if (classify(e->in->host, r->type, r->major, r->minor, NULL, &label) != DEV_GPU)
                        continue;
                if (r->minor < 0) {
                        add(e, self, "device cgroup rule '%c %jd:*' allows every GPU of that driver", r->type,
                            (intmax_t) r->major);
                        continue;
                }
                /* An exact rule is fine when it belongs to a granted node. */
                bool ok = false;
                for (size_t k = 0; k < c->n_devices && !ok; k++) {
                        const struct oci_device *d = &c->devices[k];
                        ok = d->type == r->type && d->major == r->major && d->minor == r->minor &&
                             granted_node(e, d->path);
                }
                if (!ok && !device_listed(c, r->type, r->major, r->minor))
                        add(e, self, "device cgroup rule '%c %jd:%jd' for a GPU node the container was not given",
                            r->type, (intmax_t) r->major, (intmax_t) r->minor);
        }
        scan_mounted_nodes(e, self, DEV_GPU);
}

static void check_ns(struct eval *e, size_t self) {
        int ns = rules_table[self].ns;
        const char *flag;
        if (host_ns(e, ns) && podman_ns_flag(ns, &flag))
                add(e, self, "the host's %s namespace (%s)", oci_ns_name(ns), flag);
}

static void check_seccomp(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        if (!c->seccomp)
                add(e, self, "no seccomp filter (--security-opt seccomp=unconfined)");
        else if (c->seccomp_default_action && c->seccomp_n_syscalls == 0 &&
                 (streq(c->seccomp_default_action, "SCMP_ACT_ALLOW") || streq(c->seccomp_default_action, "SCMP_ACT_LOG")))
                add(e, self, "a seccomp profile that allows every system call");
}

static void check_apparmor(struct eval *e, size_t self) {
        if (e->cfg->apparmor && streq(e->cfg->apparmor, "unconfined"))
                add(e, self, "AppArmor profile 'unconfined' (--security-opt apparmor=unconfined)");
}

static void check_missing_paths(struct eval *e, size_t self, const char *const *defaults, size_t n_defaults,
                                const char **have, size_t n_have, const char *what) {
        char buf[512] = "";
        size_t len = 0, missing = 0;
        for (size_t i = 0; i < n_defaults; i++) {
                bool found = false;
                for (size_t k = 0; k < n_have && !found; k++)
                        found = streq(have[k], defaults[i]);
                if (found)
                        continue;
                missing++;
                int n = snprintf(buf + len, sizeof buf - len, "%s%s", len ? " " : "", defaults[i]);
                if (n > 0 && (size_t) n < sizeof buf - len)
                        len += (size_t) n;
        }
        if (missing)
                add(e, self, "%s no longer %s (--security-opt unmask=...)", buf, what);
}

static void check_masked(struct eval *e, size_t self) {
        check_missing_paths(e, self, default_masked_paths, ELEMENTSOF(default_masked_paths), e->cfg->masked_paths,
                            e->cfg->n_masked_paths, "masked");
}

static void check_readonly(struct eval *e, size_t self) {
        check_missing_paths(e, self, default_readonly_paths, ELEMENTSOF(default_readonly_paths),
                            e->cfg->readonly_paths, e->cfg->n_readonly_paths, "read-only");
}

static void check_driver_writable(struct eval *e, size_t self) {
        for (size_t i = 0; i < e->cfg->n_mounts; i++) {
                const struct oci_mount *m = &e->cfg->mounts[i];
                if (driver_mount(e, i) && !m->ro)
                        add(e, self, "%s mounted writable at %s", m->source, m->destination);
        }
}

static void check_spec_stale(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        for (size_t i = 0; i < e->grant.n_missing; i++)
                add(e, self, "CDI device %s is in no spec under the CDI directories", e->grant.missing[i]);

        /* Nodes from the requested CDI devices: their host node must still be what podman saw
         * (nvidia-uvm's major is dynamic; a spec that hard-codes it goes stale on reload). */
        for (size_t i = 0; i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                const char *host = NULL;
                for (size_t k = 0; k < e->grant.n_node_paths && !host; k++)
                        if (streq(e->grant.node_paths[k], d->path))
                                host = e->grant.node_host_paths[k];
                if (!host)
                        continue;
                char type;
                dev_t rdev;
                int r = host_stat_node(e->in->host, host, &type, &rdev);
                if (r == -ENOENT)
                        add(e, self, "%s no longer exists on the host", host);
                else if (r >= 0 && (type != d->type || major(rdev) != d->major || minor(rdev) != d->minor))
                        add(e, self, "%s is %c %jd:%jd in the container but %c %u:%u on the host", host, d->type,
                            (intmax_t) d->major, (intmax_t) d->minor, type, major(rdev), minor(rdev));
        }

        const char *running = NULL;
        bool running_read = false;
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                if (!driver_mount(e, i))
                        continue;
                struct stat st;
                if (lstat(m->source, &st) < 0 && errno == ENOENT) {
                        add(e, self, "%s no longer exists", m->source);
                        continue;
                }
                const char *v = driver_version_of(base_name(m->source));
                if (!v)
                        continue;
                if (!running_read) {
                        running = host_driver_version(e->in->host);
                        running_read = true;
                }
                if (running && !streq(v, running))
                        add(e, self, "%s is from driver %s but driver %s is running", base_name(m->source), v, running);
        }
}

/* Every rule's matches from the mount tables. */
static void scan_mount_tables(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        const char *id = rules_table[self].id;
        for (size_t k = 0; k < ELEMENTSOF(mount_patterns); k++) {
                const struct mount_pattern *p = &mount_patterns[k];
                if (!streq(p->rule, id))
                        continue;
                bool under = p->match == M_UNDER || p->match == M_COVERS;
                bool above = p->match == M_ABOVE || p->match == M_COVERS || p->match == M_PARENT_RO;
                bool parent = p->match == M_PARENT_RO;
                for (size_t i = 0; i < c->n_mounts; i++) {
                        const struct oci_mount *m = &c->mounts[i];
                        if (!mount_from_source(m) || e->src_trusted[i] || (p->rw_only && m->ro) || (parent && !m->ro))
                                continue;
                        bool lex = e->src_lex[i] && path_match(p->pattern, e->src_lex[i], under, above) &&
                                   !(parent && path_match(p->pattern, e->src_lex[i], false, false));
                        bool res = !lex && e->src_res[i] && path_match(p->pattern, e->src_res[i], under, above) &&
                                   !(parent && path_match(p->pattern, e->src_res[i], false, false));
                        if (lex || res)
                                add(e, self, "%s (%s) mounted %sat %s%s%s", m->source, p->label,
                                    m->ro ? "" : "writable ", m->destination, res ? ", resolving to " : "",
                                    res ? e->src_res[i] : "");
                }
        }
        bool host_cgroupns = host_ns(e, OCI_NS_CGROUP);
        for (size_t k = 0; k < ELEMENTSOF(mount_fstypes); k++) {
                const struct mount_fstype *t = &mount_fstypes[k];
                if (!streq(t->rule, id))
                        continue;
                for (size_t i = 0; i < c->n_mounts; i++) {
                        const struct oci_mount *m = &c->mounts[i];
                        if (m->bind || !m->type || !streq(m->type, t->type) || (t->rw_only && m->ro) ||
                            (t->host_cgroupns_only && !host_cgroupns))
                                continue;
                        add(e, self, "%s at %s", t->label, m->destination);
                }
        }
}

/* ---- the table -------------------------------------------------------------------------- */

#define CAP_RULE(id_, cap_, name_, why_) \
        { id_, true, "cap-all", -1, check_cap, cap_, why_, "remove --cap-add " name_ }

#define NS_RULE(id_, ns_, on_, why_, fix_) { id_, on_, NULL, ns_, check_ns, 0, why_, fix_ }

const struct rule rules_table[] = {
        { "privileged", true, NULL, -1, check_privileged, 0,
          "a privileged container can use every host device and load kernel code: it is the host",
          "drop --privileged and request GPUs with --device nvidia.com/gpu=N (see gpucdi list)" },
        { "device-cgroup-allow-all", true, "privileged", -1, check_cgroup_allow_all, 0,
          "the device cgroup is what keeps the other GPUs and host devices out of the container",
          "remove the --device-cgroup-rule with a '*' major" },
        { "cap-all", true, "privileged", -1, check_cap_all, 0,
          "together the capabilities allow mounting, module loading, raw I/O and tracing host processes",
          "remove --cap-add ALL and add only the capabilities the program needs" },
        CAP_RULE("cap-sys-admin", CAP_SYS_ADMIN, "SYS_ADMIN",
                 "CAP_SYS_ADMIN allows mount, BPF and namespace administration, the start of most container escapes"),
        CAP_RULE("cap-sys-module", CAP_SYS_MODULE, "SYS_MODULE", "CAP_SYS_MODULE loads code into the host kernel"),
        CAP_RULE("cap-sys-rawio", CAP_SYS_RAWIO, "SYS_RAWIO",
                 "CAP_SYS_RAWIO gives raw I/O ports, memory and PCI access, including the GPU's registers"),
        CAP_RULE("cap-sys-ptrace", CAP_SYS_PTRACE, "SYS_PTRACE",
                 "CAP_SYS_PTRACE lets the container trace and inject code into processes it can see"),
        CAP_RULE("cap-dac-read-search", CAP_DAC_READ_SEARCH, "DAC_READ_SEARCH",
                 "CAP_DAC_READ_SEARCH allows open_by_handle_at, which reads host files outside the container"),
        CAP_RULE("cap-bpf", CAP_BPF, "BPF", "CAP_BPF loads BPF programs into the host kernel"),
        CAP_RULE("cap-perfmon", CAP_PERFMON, "PERFMON", "CAP_PERFMON observes the whole host through perf events"),
        CAP_RULE("cap-sys-boot", CAP_SYS_BOOT, "SYS_BOOT", "CAP_SYS_BOOT can reboot the host or load a new kernel"),
        CAP_RULE("cap-net-admin", CAP_NET_ADMIN, "NET_ADMIN",
                 "CAP_NET_ADMIN reconfigures networking, the host's own when combined with its network namespace"),
        CAP_RULE("cap-sys-time", CAP_SYS_TIME, "SYS_TIME", "CAP_SYS_TIME sets the host's clock"),
        CAP_RULE("cap-syslog", CAP_SYSLOG, "SYSLOG", "CAP_SYSLOG reads and clears the kernel log, which leaks kernel addresses"),
        CAP_RULE("cap-mac-admin", CAP_MAC_ADMIN, "MAC_ADMIN", "CAP_MAC_ADMIN changes the host's AppArmor/SELinux policy"),
        CAP_RULE("cap-mac-override", CAP_MAC_OVERRIDE, "MAC_OVERRIDE", "CAP_MAC_OVERRIDE bypasses the host's AppArmor/SELinux policy"),
        { "host-device-sensitive", true, "privileged", -1, check_sensitive_devices, 0,
          "these devices reach host memory, disks, firmware or consoles, outside any container boundary",
          "remove the --device, --device-cgroup-rule or -v option that adds it" },
        { "gpu-not-requested", true, "privileged", -1, check_gpu_not_requested, 0,
          "GPUs are handed out through CDI so that a container gets exactly the GPUs it asked for",
          "request each GPU with --device nvidia.com/gpu=N (or amd.com/gpu=N, intel.com/gpu=N) instead of raw nodes, cgroup rules or mounts" },
        NS_RULE("ns-host-pid", OCI_NS_PID, true,
                "in the host's PID namespace the container sees and signals every host process",
                "drop --pid host"),
        NS_RULE("ns-host-ipc", OCI_NS_IPC, true,
                "the host's IPC namespace shares System V and POSIX shared memory with host processes",
                "drop --ipc host and -v /dev/shm"),
        NS_RULE("ns-host-net", OCI_NS_NET, true,
                "the host's network namespace exposes host-only services and abstract sockets",
                "drop --network host and publish ports with -p"),
        NS_RULE("ns-host-uts", OCI_NS_UTS, false,
                "the host's UTS namespace lets the container change the host name",
                "drop --uts host"),
        NS_RULE("ns-host-cgroup", OCI_NS_CGROUP, false,
                "the host's cgroup namespace shows the host's cgroup tree",
                "add --cgroupns private"),
        { "ns-host-mount", true, NULL, OCI_NS_MOUNT, check_ns, 0,
          "without its own mount namespace the container shares every host mount",
          "give the container a mount namespace (podman always does; fix the tool that wrote this config)" },
        { "seccomp-disabled", true, "privileged", -1, check_seccomp, 0,
          "seccomp blocks the kernel interfaces most exploits use (keyctl, bpf, userfaultfd, ...)",
          "drop --security-opt seccomp=unconfined" },
        { "apparmor-unconfined", true, "privileged", -1, check_apparmor, 0,
          "the AppArmor profile stops writes to /proc and /sys and mounts that escape the container",
          "drop --security-opt apparmor=unconfined" },
        { "masked-paths-removed", true, "privileged", -1, check_masked, 0,
          "these files expose kernel memory, keys and firmware to the container",
          "drop --security-opt unmask=..." },
        { "readonly-paths-removed", true, "privileged", -1, check_readonly, 0,
          "writing them changes the host kernel's settings (/proc/sys) or crashes it (/proc/sysrq-trigger)",
          "drop --security-opt unmask=..." },
        { "mount-host-root", true, NULL, -1, NULL, 0,
          "the host's root filesystem gives the container every host file",
          "mount only the directories the container needs" },
        { "mount-host-dev", true, NULL, -1, NULL, 0,
          "the host's /dev holds every device node, GPUs of other users included",
          "remove -v /dev; request GPUs with --device nvidia.com/gpu=N" },
        { "mount-host-proc", true, NULL, -1, NULL, 0,
          "the host's /proc reaches every host process and, through /proc/1/root, the host's files",
          "remove the -v of /proc" },
        { "mount-sys-writable", true, "privileged", -1, NULL, 0,
          "a writable /sys or cgroup tree changes host device, power and cgroup settings",
          "mount it read-only (:ro) or not at all" },
        { "mount-kernel-fs", true, NULL, -1, NULL, 0,
          "debugfs, tracefs, bpffs and securityfs expose kernel internals",
          "remove the mount; mount only the /sys subdirectory needed, read-only (e.g. -v /sys/class:/host-sys-class:ro)" },
        { "mount-host-etc", true, NULL, -1, NULL, 0,
          "host configuration and credentials let the container log in to or reconfigure the host",
          "mount single files read-only (e.g. -v /etc/localtime:/etc/localtime:ro)" },
        { "mount-host-system-writable", true, NULL, -1, NULL, 0,
          "writing host programs, libraries or home directories runs the container's code as the host",
          "mount it read-only (:ro) or use a named volume" },
        { "mount-engine-socket", true, NULL, -1, NULL, 0,
          "a container engine, systemd or Nix daemon socket lets the container start privileged containers or units",
          "remove the -v of the socket; use a dedicated API with its own authorisation" },
        { "mount-nix-store-writable", true, NULL, -1, NULL, 0,
          "a writable Nix store lets the container replace programs the host runs",
          "mount /nix/store read-only (:ro)" },
        { "mount-driver-writable", true, NULL, -1, check_driver_writable, 0,
          "a writable driver library lets the container change code that host processes load",
          "mount driver files read-only; regenerate the spec with gpucdi generate" },
        { "spec-stale", true, NULL, -1, check_spec_stale, 0,
          "the CDI spec no longer matches the running driver, so the GPU would fail in the container",
          "run gpucdi generate, then recreate the container" },
};

const size_t rules_count = ELEMENTSOF(rules_table);

int rules_find(const char *id) {
        for (size_t i = 0; i < rules_count; i++)
                if (streq(rules_table[i].id, id))
                        return (int) i;
        return -ENOENT;
}

/* ---- entry points ------------------------------------------------------------------------ */

bool rules_gpu_container(const struct rules_input *in, const char **ret_reason) {
        const struct oci_config *c = in->cfg;
        const char *reason = NULL, *label;
        if (in->n_requested > 0)
                reason = "CDI GPU devices requested";
        for (size_t i = 0; !reason && i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                if (d->type == 'c' && classify(in->host, d->type, d->major, d->minor, d->path, &label) == DEV_GPU)
                        reason = "a GPU device node";
        }
        for (size_t i = 0; !reason && i < c->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &c->cgroup_rules[i];
                if (!r->allow || !r->rw || r->type == 'b')
                        continue;
                if (r->type == 'a' || r->major < 0) {
                        if (gpu_drivers_loaded(in->host))
                                reason = "a device cgroup rule that allows the host's GPUs";
                } else if (classify(in->host, 'c', r->major, r->minor, NULL, &label) == DEV_GPU)
                        reason = "a device cgroup rule for a GPU";
        }
        for (size_t i = 0; !reason && i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                if (!mount_from_source(m))
                        continue;
                /* As the rules see it: "/dev/./nvidia1" and "/dev/dri/" are GPU nodes too, and so
                 * is a node reached through a symlink (/dev/char/195:1). */
                _cleanup_free_ char *src = NULL;
                struct stat st;
                if (host_path_normalize(m->source, &src) < 0)
                        reason = "a mount that could not be checked (out of memory)";
                else if (gpu_path(src) || gpu_path(m->destination))
                        reason = "a mount of GPU device nodes";
                else if (path_match("/dev", src, false, false) && gpu_drivers_loaded(in->host))
                        reason = "a mount of the host's /dev";
                else if (stat(m->source, &st) >= 0 && S_ISCHR(st.st_mode) &&
                         classify(in->host, 'c', major(st.st_rdev), minor(st.st_rdev), NULL, &label) == DEV_GPU)
                        reason = "a mount of a GPU device node";
        }
        if (ret_reason)
                *ret_reason = reason;
        return reason != NULL;
}

static void eval_free(struct eval *e) {
        size_t n = e->cfg ? e->cfg->n_mounts : 0;
        for (size_t i = 0; i < n; i++) {
                if (e->src_lex)
                        free(e->src_lex[i]);
                if (e->src_res)
                        free(e->src_res[i]);
        }
        free(e->src_lex);
        free(e->src_res);
        free(e->src_trusted);
        for (size_t i = 0; e->items && i < rules_count; i++)
                hook_strv_free(e->items[i], e->n_items[i]);
        free(e->items);
        free(e->n_items);
        cdispec_grant_free(&e->grant);
}

static char *join_items(char **items, size_t n) {
        size_t shown = n > MAX_ITEMS ? MAX_ITEMS : n, len = 64;
        for (size_t i = 0; i < shown; i++)
                len += strlen(items[i]) + 2;
        char *s = malloc(len), *p = s;
        if (!s)
                return NULL;
        *p = 0;
        for (size_t i = 0; i < shown; i++)
                p += sprintf(p, "%s%s", i ? ", " : "", items[i]);
        if (n > shown)
                sprintf(p, " and %zu more", n - shown);
        return s;
}

int rules_evaluate(const struct rules_input *in, char ***ret_found) {
        const struct oci_config *c = in->cfg;
        struct eval e = { .in = in, .cfg = c };
        int r = -ENOMEM;
        e.items = calloc(rules_count, sizeof *e.items);
        e.n_items = calloc(rules_count, sizeof *e.n_items);
        e.src_lex = calloc(c->n_mounts + 1, sizeof *e.src_lex);
        e.src_res = calloc(c->n_mounts + 1, sizeof *e.src_res);
        e.src_trusted = calloc(c->n_mounts + 1, sizeof *e.src_trusted);
        char **found = calloc(rules_count + 1, sizeof *found);
        if (!e.items || !e.n_items || !e.src_lex || !e.src_res || !e.src_trusted || !found)
                goto out;

        if (in->n_requested > 0) {
                r = cdispec_lookup(in->spec_dirs, in->requested, in->n_requested, &e.grant);
                if (r < 0)
                        goto out;
        }
        for (size_t i = 0; i < c->n_mounts; i++) {
                const struct oci_mount *m = &c->mounts[i];
                if (!mount_from_source(m))
                        continue;
                e.src_trusted[i] = in_strv(e.grant.mount_sources, e.grant.n_mount_sources, m->source);
                if (e.src_trusted[i])
                        continue;
                r = host_path_normalize(m->source, &e.src_lex[i]);
                if (r < 0)
                        goto out;
                r = host_path_resolve(m->source, &e.src_res[i]);
                if (r == -ENOMEM)
                        goto out;
        }

        for (size_t i = 0; i < rules_count; i++) {
                if (rules_table[i].check)
                        rules_table[i].check(&e, i);
                scan_mount_tables(&e, i);
        }
        for (size_t i = 0; i < rules_count; i++) {
                if (e.n_items[i] == 0)
                        continue;
                /* Not reported when a rule that implies it fired (privileged implies cap-all ...). */
                bool implied = false;
                for (const char *p = rules_table[i].parent; p && !implied; p = rules_table[rule_index(p)].parent)
                        implied = e.n_items[rule_index(p)] > 0;
                if (implied)
                        continue;
                if (!(found[i] = join_items(e.items[i], e.n_items[i]))) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        *ret_found = TAKE_PTR(found);
        r = 0;
out:
        if (found)
                rules_found_free(found);
        eval_free(&e);
        return r;
}

void rules_found_free(char **found) {
        for (size_t i = 0; found && i < rules_count; i++)
                free(found[i]);
        free(found);
}
