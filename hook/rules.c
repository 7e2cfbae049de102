/* The rule table and the engine: every rule has a stable id, what it protects and how to fix a
 * violation; its check asks the classifiers (classify.c) about the config. Path and filesystem
 * rules have no check of their own: the tables name their rule, and the engine applies them. */
#include "rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "checks.h"
#include "util.h"

#define MAX_ITEMS 6

/* ---- the table -------------------------------------------------------------------------- */

#define CAP_RULE(id_, name_, why_) \
        { id_, true, "cap-all", -1, check_caps, why_, "remove --cap-add " name_ }

#define NS_RULE(id_, ns_, on_, why_, fix_) { id_, on_, NULL, ns_, check_ns, why_, fix_ }

const struct rule rules_table[] = {
        { "privileged", true, NULL, -1, check_privileged,
          "a privileged container can use every host device and load kernel code: it is the host",
          "drop --privileged and request GPUs with --device nvidia.com/gpu=N (see gpucdi list)" },
        { "device-cgroup-allow-all", true, "privileged", -1, check_cgroup_allow_all,
          "the device cgroup is what keeps the other GPUs and host devices out of the container",
          "remove the --device-cgroup-rule with a '*' major" },
        { "cap-all", true, "privileged", -1, check_cap_all,
          "together the capabilities allow mounting, module loading, raw I/O and tracing host processes",
          "remove --cap-add ALL and add only the capabilities the program needs" },
        CAP_RULE("cap-sys-admin", "SYS_ADMIN",
                 "CAP_SYS_ADMIN allows mount, BPF and namespace administration, the start of most container escapes"),
        CAP_RULE("cap-sys-module", "SYS_MODULE", "CAP_SYS_MODULE loads code into the host kernel"),
        CAP_RULE("cap-sys-rawio", "SYS_RAWIO",
                 "CAP_SYS_RAWIO gives raw I/O ports, memory and PCI access, including the GPU's registers"),
        CAP_RULE("cap-sys-ptrace", "SYS_PTRACE",
                 "CAP_SYS_PTRACE lets the container trace and inject code into processes it can see"),
        CAP_RULE("cap-dac-read-search", "DAC_READ_SEARCH",
                 "CAP_DAC_READ_SEARCH allows open_by_handle_at, which reads host files outside the container"),
        CAP_RULE("cap-bpf", "BPF", "CAP_BPF loads BPF programs into the host kernel"),
        CAP_RULE("cap-perfmon", "PERFMON", "CAP_PERFMON observes the whole host through perf events"),
        CAP_RULE("cap-sys-boot", "SYS_BOOT", "CAP_SYS_BOOT can reboot the host or load a new kernel"),
        CAP_RULE("cap-net-admin", "NET_ADMIN",
                 "CAP_NET_ADMIN reconfigures networking, the host's own when combined with its network namespace"),
        CAP_RULE("cap-sys-time", "SYS_TIME", "CAP_SYS_TIME sets the host's clock"),
        CAP_RULE("cap-syslog", "SYSLOG", "CAP_SYSLOG reads and clears the kernel log, which leaks kernel addresses"),
        CAP_RULE("cap-mac-admin", "MAC_ADMIN", "CAP_MAC_ADMIN changes the host's AppArmor/SELinux policy"),
        CAP_RULE("cap-mac-override", "MAC_OVERRIDE", "CAP_MAC_OVERRIDE bypasses the host's AppArmor/SELinux policy"),
        { "cap-not-allowed", true, "cap-all", -1, check_caps,
          "capabilities beyond the allowlist (podman's defaults and a few that act only inside the container) reach the host kernel or its audit and accounting",
          "remove the --cap-add, or allow this rule in the host policy when the capability is really needed" },
        { "host-device-sensitive", true, "privileged", -1, check_sensitive_devices,
          "these devices reach host memory, disks, firmware or consoles, outside any container boundary",
          "remove the --device, --device-cgroup-rule or -v option that adds it" },
        { "gpu-not-requested", true, "privileged", -1, check_gpu_not_requested,
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
        { "ns-host-mount", true, NULL, OCI_NS_MOUNT, check_ns,
          "without its own mount namespace the container shares every host mount",
          "give the container a mount namespace (podman always does; fix the tool that wrote this config)" },
        { "seccomp-disabled", true, "privileged", -1, check_seccomp,
          "seccomp blocks the kernel interfaces most exploits use (keyctl, bpf, userfaultfd, ...)",
          "drop --security-opt seccomp=unconfined" },
        { "seccomp-permissive", true, "seccomp-disabled", -1, check_seccomp_permissive,
          "the seccomp profile lets through system calls that the default profiles deny (module loading, bpf, userfaultfd, kexec, ...)",
          "use the engine's default seccomp profile, or one that denies these system calls" },
        { "apparmor-unconfined", true, "privileged", -1, check_apparmor,
          "the AppArmor profile stops writes to /proc and /sys and mounts that escape the container",
          "drop --security-opt apparmor=unconfined" },
        { "masked-paths-removed", true, "privileged", -1, check_masked,
          "these files expose kernel memory, keys and firmware to the container",
          "drop --security-opt unmask=...; for a sysfs or /sys bind elsewhere, mask its firmware directory "
          "(--security-opt mask=DEST/firmware)" },
        { "readonly-paths-removed", true, "privileged", -1, check_readonly,
          "writing them changes the host kernel's settings (/proc/sys) or crashes it (/proc/sysrq-trigger)",
          "drop --security-opt unmask=..." },
        { "mount-host-root", true, NULL, -1, NULL,
          "the host's root filesystem gives the container every host file",
          "mount only the directories the container needs" },
        { "mount-host-dev", true, NULL, -1, NULL,
          "the host's /dev (or a devtmpfs) holds every device node, GPUs of other users included",
          "remove -v /dev; request GPUs with --device nvidia.com/gpu=N" },
        { "mount-host-proc", true, NULL, -1, NULL,
          "the host's /proc reaches every host process and, through /proc/1/root, the host's files",
          "remove the -v of /proc" },
        { "mount-sys-writable", true, "privileged", -1, NULL,
          "a writable /sys or cgroup tree (cgroup v1, or cgroup2 in the host's cgroup namespace) changes host device, power and cgroup settings",
          "mount it read-only (:ro) or not at all" },
        { "mount-kernel-fs", true, NULL, -1, NULL,
          "debugfs, tracefs, bpffs, securityfs, configfs, efivarfs and pstore expose kernel internals",
          "remove the mount; mount only the /sys subdirectory needed, read-only (e.g. -v /sys/class:/host-sys-class:ro)" },
        { "mount-proc-extra", true, NULL, -1, NULL,
          "a second proc filesystem has none of the masked and read-only paths (/proc/sysrq-trigger, /proc/kcore ...)",
          "remove the proc mount; the container has its own at /proc" },
        { "mount-fstype", true, "privileged", -1, NULL,
          "filesystems other than private instances (tmpfs, mqueue, devpts, proc at /proc, read-only sysfs and cgroup) reach host disks or kernel interfaces (binfmt_misc, a host block device)",
          "use a bind mount of a host directory, or a volume" },
        { "mount-host-etc", true, NULL, -1, NULL,
          "host configuration and credentials let the container log in to or reconfigure the host",
          "mount single files read-only (e.g. -v /etc/localtime:/etc/localtime:ro)" },
        { "mount-host-system-writable", true, NULL, -1, NULL,
          "writing host programs, libraries or home directories runs the container's code as the host",
          "mount it read-only (:ro) or use a named volume" },
        { "mount-engine-socket", true, NULL, -1, NULL,
          "a container engine, systemd or Nix daemon socket lets the container start privileged containers or units",
          "remove the -v of the socket; use a dedicated API with its own authorisation" },
        { "mount-system-socket", true, NULL, -1, check_sockets,
          "a system service's socket under /run may act for the container with the service's rights",
          "remove the -v of the socket, or allow this rule in the host policy for a service that authorises its callers" },
        { "mount-gpucdi-writable", true, NULL, -1, NULL,
          "writable CDI specs, OCI hooks, gpucdi's state or policy let the container change what the next GPU container gets and how it is checked",
          "mount them read-only (:ro) or not at all" },
        { "mount-propagation-shared", true, NULL, -1, check_propagation,
          "shared propagation lets mounts made in the container appear on the host",
          "use the default (rprivate) propagation; drop :shared / :rshared" },
        { "mount-nix-store-writable", true, NULL, -1, NULL,
          "a writable Nix store lets the container replace programs the host runs",
          "mount /nix/store read-only (:ro)" },
        { "mount-driver-writable", true, NULL, -1, check_driver_writable,
          "a writable driver library lets the container change code that host processes load",
          "mount driver files read-only; regenerate the spec with gpucdi generate" },
        { "spec-stale", true, NULL, -1, check_spec_stale,
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

static size_t rule_index(const char *id) {
        int i = rules_find(id);
        if (i < 0)
                abort();  /* a table names a rule that does not exist: a build-time mistake */
        return (size_t) i;
}

/* ---- does it reach a GPU? ------------------------------------------------------------------ */

/* Writing a GPU's sysfs attributes (remove, reset, power) needs the host's root: outside a user
 * namespace, or in one that maps it (userns false then). */
static const char *source_reaches_gpu(struct hook_host *h, const char *src, const struct oci_mount *m, bool userns) {
        if (gpu_path(src))
                return "a mount of GPU device nodes";
        if (path_match("/dev", src, false, false) && gpu_drivers_loaded(h))
                return "a mount of the host's /dev";
        /* A recursive bind of "/" (podman's -v /:/host) or of another ancestor of /dev brings the
         * host's /dev submount, every GPU node in it, as -v /dev:/x does; a plain bind does not. */
        if (m->recursive && (streq(src, "/") || path_match("/dev", src, false, true)) && gpu_drivers_loaded(h))
                return "a recursive bind of an ancestor of the host's /dev (its GPU nodes come along)";
        if (m->ro || userns || !path_match("/sys", src, true, false))
                return NULL;
        for (size_t i = 0; i < gpu_sysfs_paths_count; i++)
                if (path_match(gpu_sysfs_paths[i], src, true, true))
                        return gpu_drivers_loaded(h) ? "a writable mount of the host's sysfs device tree (the GPUs' "
                                                       "device attributes and BARs)" : NULL;
        return NULL;
}

/* An overlay layer (lowerdir, upperdir) as the kernel reads it, symlinks followed. A relative one
 * is looked up from runc's init, in the container's root filesystem: the image may link it to /dev. */
static const char *layer_reaches_gpu(struct hook_host *h, const char *path, const struct oci_mount *m, bool userns) {
        _cleanup_free_ char *lex = NULL, *res = NULL;
        if (path[0] != '/')
                return gpu_drivers_loaded(h) ? "an overlay directory relative to the container's root filesystem" : NULL;
        const char *p = path;
        if (host_path_normalize(p, &lex) < 0 || host_path_resolve(p, &res) == -ENOMEM)
                return "a mount that could not be checked (out of memory)";
        const char *label = source_reaches_gpu(h, lex, m, userns);
        return label ? label : res ? source_reaches_gpu(h, res, m, userns) : NULL;
}

static const char *mount_reaches_gpu(struct hook_host *h, const struct oci_mount *m, const char *bundle, bool userns) {
        if (mount_is_overlay(m)) {
                const char *label = NULL;
                for (size_t k = 0; k < m->n_lowerdirs && !label; k++)
                        label = layer_reaches_gpu(h, m->lowerdirs[k], m, userns);
                for (size_t k = 0; k < m->n_upperdirs && !label; k++)
                        label = layer_reaches_gpu(h, m->upperdirs[k], m, userns);
                return label;
        }
        if (!m->bind) {
                /* devtmpfs and sysfs are the same on every host: no need to read the mount table */
                const struct fstype_rule *t = classify_fstype(NULL, m->type);
                if (t && streq(t->rule ? t->rule : "", "mount-host-dev") && gpu_drivers_loaded(h))
                        return "a devtmpfs mount";
                if (t && streq(t->type, "sysfs") && !m->ro && !userns && gpu_drivers_loaded(h))
                        return "a writable sysfs (the GPUs' device attributes)";
                return NULL;
        }
        if (!m->source || !*m->source)
                return NULL;
        /* As the rules see it: "/dev/./nvidia1" and "/dev/dri/" are GPU nodes too, and so is a
         * node reached through a symlink (/dev/char/195:1). */
        _cleanup_free_ char *joined = NULL, *src = NULL;
        const char *source = m->source;
        if (source[0] != '/') {
                if (path_join(bundle ? bundle : "/", source, &joined) < 0)
                        return "a mount that could not be checked (out of memory)";
                source = joined;
        }
        struct stat st;
        const char *label;
        if (host_path_normalize(source, &src) < 0)
                return "a mount that could not be checked (out of memory)";
        if (gpu_path(m->destination))
                return "a mount of GPU device nodes";
        /* runc follows symlinks in the source (~/link-to-root/sys): judge where it leads too */
        _cleanup_free_ char *res = NULL;
        if (host_path_resolve(source, &res) == -ENOMEM)
                return "a mount that could not be checked (out of memory)";
        if ((label = source_reaches_gpu(h, src, m, userns)) || (res && (label = source_reaches_gpu(h, res, m, userns))))
                return label;
        if (stat(source, &st) >= 0 && S_ISCHR(st.st_mode) &&
            classify_device(h, 'c', major(st.st_rdev), minor(st.st_rdev), NULL, &label) == DEV_GPU)
                return "a mount of a GPU device node";
        return NULL;
}

bool rules_gpu_container(const struct rules_input *in, const char **ret_reason) {
        const struct oci_config *c = in->cfg;
        const char *reason = NULL, *label;
        if (in->n_requested > 0)
                reason = "CDI GPU devices requested";
        if (!reason && gpu_injecting_hook(c))
                reason = "NVIDIA's legacy hook adds GPUs (NVIDIA_VISIBLE_DEVICES)";
        for (size_t i = 0; !reason && i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                if (d->type == 'c' && classify_device(in->host, d->type, d->major, d->minor, d->path, &label) == DEV_GPU)
                        reason = "a GPU device node";
        }
        for (size_t i = 0; !reason && i < c->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &c->cgroup_rules[i];
                if (!r->allow || !r->rw || r->type == 'b' || r->major > 0xfff)
                        continue;
                if (r->type == 'a' || r->major < 0) {
                        if (gpu_drivers_loaded(in->host))
                                reason = "a device cgroup rule that allows the host's GPUs";
                } else if (classify_device(in->host, 'c', r->major, r->minor, NULL, &label) == DEV_GPU)
                        reason = "a device cgroup rule for a GPU";
        }
        bool userns = c->ns_present[OCI_NS_USER] && !host_userns_maps_root(c), dev_covered = false;
        for (size_t i = 0; !reason && i < c->n_mounts; i++) {
                reason = mount_reaches_gpu(in->host, &c->mounts[i], in->bundle, userns);
                dev_covered = dev_covered || path_match("/dev", c->mounts[i].destination, false, false);
        }
        /* root.path is bound recursively as the container's "/": the host's /dev below it comes
         * along unless a mount covers /dev (podman's tmpfs) */
        struct oci_mount root = { .destination = "/", .source = c->root_path, .type = "bind", .bind = true,
                                  .recursive = !dev_covered, .ro = c->root_readonly };
        if (!reason && c->root_path)
                reason = mount_reaches_gpu(in->host, &root, in->bundle, userns);
        if (ret_reason)
                *ret_reason = reason;
        return reason != NULL;
}

/* ---- evaluation ---------------------------------------------------------------------------- */

static void eval_free(struct eval *e) {
        exposures_free(e);
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

static void rules_found_freep(char ***found) {
        rules_found_free(*found);
}

int rules_evaluate(const struct rules_input *in, char ***ret_found) {
        _cleanup_(eval_free) struct eval e = { .in = in, .cfg = in->cfg };
        e.items = calloc(rules_count, sizeof *e.items);
        e.n_items = calloc(rules_count, sizeof *e.n_items);
        _cleanup_(rules_found_freep) char **found = calloc(rules_count + 1, sizeof *found);
        if (!e.items || !e.n_items || !found)
                return -ENOMEM;
        int r;
        if (in->n_requested > 0 && (r = cdispec_lookup(in->spec_dirs, in->requested, in->n_requested, &e.grant)) < 0)
                return r;
        if ((r = exposures_build(&e)) < 0)
                return r;

        for (size_t i = 0; i < rules_count; i++) {
                if (rules_table[i].check)
                        rules_table[i].check(&e, i);
                check_paths(&e, i);
                check_fstypes(&e, i);
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
                if (!(found[i] = join_items(e.items[i], e.n_items[i])))
                        return -ENOMEM;
        }
        *ret_found = TAKE_PTR(found);
        return 0;
}

void rules_found_free(char **found) {
        for (size_t i = 0; found && i < rules_count; i++)
                free(found[i]);
        free(found);
}
