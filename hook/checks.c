/* Checks of process, devices, namespaces and security options. Each asks a classifier and says
 * what it found; what is refused is the policy's business. */
#include "checks.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util.h"

void add(struct eval *e, size_t rule, const char *fmt, ...) {
        va_list ap;
        char *s;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();  /* out of memory while judging: never let a container through by accident */
        if (!in_strv(e->items[rule], e->n_items[rule], s) && hook_strv_push(&e->items[rule], &e->n_items[rule], s) < 0)
                abort();
        free(s);
}

bool rule_is(size_t self, const char *id) {
        return streq(rules_table[self].id, id);
}

bool in_strv(char **v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

bool rule_allows_all(const struct oci_cgroup_rule *r) {
        return r->allow && r->rw && (r->type == 'a' || r->major < 0);
}

static const char *proc_ns_name(int ns) {
        static const char *const names[_OCI_NS_MAX] = {
                [OCI_NS_PID] = "pid", [OCI_NS_NET] = "net", [OCI_NS_IPC] = "ipc", [OCI_NS_UTS] = "uts",
                [OCI_NS_MOUNT] = "mnt", [OCI_NS_USER] = "user", [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
        };
        return names[ns];
}

bool host_ns(const struct eval *e, int ns) {
        const struct oci_config *c = e->cfg;
        if (!c->ns_present[ns])
                return true;
        return c->ns_path[ns] && host_ns_is_hosts(proc_ns_name(ns), c->ns_path[ns]);
}

static bool all_caps(uint64_t caps) {
        /* --cap-add ALL and --privileged give every capability the kernel has, less one or two that
         * podman drops in some setups: call 30 or more "all". The default set has 11. */
        return __builtin_popcountll(caps) >= 30;
}

static bool any_allow_all(const struct oci_config *c) {
        for (size_t i = 0; i < c->n_cgroup_rules; i++)
                if (rule_allows_all(&c->cgroup_rules[i]))
                        return true;
        return false;
}

void check_privileged(struct eval *e, size_t self) {
        if (all_caps(e->cfg->caps) && any_allow_all(e->cfg))
                add(e, self, "all capabilities and every host device (podman --privileged)");
}

void check_cgroup_allow_all(struct eval *e, size_t self) {
        for (size_t i = 0; i < e->cfg->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &e->cfg->cgroup_rules[i];
                if (rule_allows_all(r))
                        add(e, self, "device cgroup rule '%c *:*' allows every %s", r->type,
                            r->type == 'c' ? "character device" : r->type == 'b' ? "block device" : "device");
        }
}

void check_cap_all(struct eval *e, size_t self) {
        if (all_caps(e->cfg->caps))
                add(e, self, "all %d capabilities (--cap-add ALL)", __builtin_popcountll(e->cfg->caps));
}

/* Every capability whose class is this rule; unknown names fall under CAP_OTHER_RULE. */
void check_caps(struct eval *e, size_t self) {
        for (int cap = 0; cap <= OCI_CAP_LAST; cap++) {
                if (!(e->cfg->caps & (UINT64_C(1) << cap)))
                        continue;
                const char *rule = classify_cap(cap);
                if (rule && rule_is(self, rule))
                        add(e, self, "%s (--cap-add %s)", oci_cap_names[cap], oci_cap_names[cap] + 4);
        }
        if (e->cfg->unknown_cap && rule_is(self, CAP_OTHER_RULE))
                add(e, self, "capability '%s', which the hook does not know", e->cfg->unknown_cap);
}

static bool device_listed(const struct oci_config *c, char type, int64_t major, int64_t minor) {
        for (size_t i = 0; i < c->n_devices; i++)
                if (c->devices[i].type == type && c->devices[i].major == major && c->devices[i].minor == minor)
                        return true;
        return false;
}

static void fmt_num(char *buf, size_t n, int64_t v) {
        if (v < 0)
                snprintf(buf, n, "*");
        else
                snprintf(buf, n, "%jd", (intmax_t) v);
}

/* Bind sources that are device nodes: classified by what they are, whatever their name. */
static void scan_mounted_nodes(struct eval *e, size_t self, enum dev_class want) {
        for (size_t i = 0; i < e->n_exp; i++) {
                const struct exposure *x = &e->exp[i];
                struct stat st;
                if (x->trusted || !x->res || stat(x->res, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
                        continue;
                const char *label;
                char type = S_ISCHR(st.st_mode) ? 'c' : 'b';
                if (classify_device(e->in->host, type, major(st.st_rdev), minor(st.st_rdev), NULL, &label) == want)
                        add(e, self, "host %s (%s) mounted at %s", x->source, label ? label : "a device", x->destination);
        }
}

void check_sensitive_devices(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        const char *label;
        for (size_t i = 0; i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                if (classify_device(e->in->host, d->type, d->major, d->minor, d->path, &label) == DEV_SENSITIVE)
                        add(e, self, "%s (%c %jd:%jd, %s)", d->path, d->type, (intmax_t) d->major, (intmax_t) d->minor,
                            label);
        }
        for (size_t i = 0; i < c->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &c->cgroup_rules[i];
                if (!r->allow || !r->rw || rule_allows_all(r) || device_listed(c, r->type, r->major, r->minor))
                        continue;
                if (r->major > 0xfff)
                        continue;  /* matches no device number */
                if (classify_device(e->in->host, r->type, r->major, r->minor, NULL, &label) != DEV_SENSITIVE)
                        continue;
                char mi[24];
                fmt_num(mi, sizeof mi, r->minor);
                add(e, self, "device cgroup rule '%c %jd:%s' (%s)", r->type, (intmax_t) r->major, mi, label);
        }
        scan_mounted_nodes(e, self, DEV_SENSITIVE);
}

bool granted_node(const struct eval *e, const char *path) {
        if (e->in->n_requested == 0)
                return true;  /* no CDI request: the nodes listed are what the user asked for */
        return in_strv(e->grant.node_paths, e->grant.n_node_paths, path);
}

void check_gpu_not_requested(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        const char *label;
        const char *asked = e->in->n_requested ? "not part of the requested CDI devices" : "";
        const char *legacy = e->in->n_requested ? gpu_injecting_hook(c) : NULL;
        if (legacy)
                add(e, self, "%s adds the GPUs named by NVIDIA_VISIBLE_DEVICES after this check, beside the requested "
                    "CDI devices (set NVIDIA_VISIBLE_DEVICES=void, or remove NVIDIA's oci-nvidia-hook.json)", legacy);
        for (size_t i = 0; i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                if (classify_device(e->in->host, d->type, d->major, d->minor, d->path, &label) != DEV_GPU)
                        continue;
                if (!granted_node(e, d->path))
                        add(e, self, "%s (%c %jd:%jd) %s", d->path, d->type, (intmax_t) d->major, (intmax_t) d->minor,
                            asked);
        }
        for (size_t i = 0; i < c->n_cgroup_rules; i++) {
                const struct oci_cgroup_rule *r = &c->cgroup_rules[i];
                if (!r->allow || !r->rw || rule_allows_all(r) || r->major > 0xfff)
                        continue;
                if (classify_device(e->in->host, r->type, r->major, r->minor, NULL, &label) != DEV_GPU)
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
                        ok = d->type == r->type && d->major == r->major && d->minor == r->minor && granted_node(e, d->path);
                }
                if (!ok && !device_listed(c, r->type, r->major, r->minor))
                        add(e, self, "device cgroup rule '%c %jd:%jd' for a GPU node the container was not given",
                            r->type, (intmax_t) r->major, (intmax_t) r->minor);
        }
        scan_mounted_nodes(e, self, DEV_GPU);
}

void check_ns(struct eval *e, size_t self) {
        static const char *const flags[_OCI_NS_MAX] = {
                [OCI_NS_PID] = "--pid host", [OCI_NS_NET] = "--network host", [OCI_NS_IPC] = "--ipc host",
                [OCI_NS_UTS] = "--uts host", [OCI_NS_CGROUP] = "--cgroupns host",
                [OCI_NS_MOUNT] = "no mount namespace", [OCI_NS_USER] = "--userns host",
                [OCI_NS_TIME] = "host time namespace",
        };
        int ns = rules_table[self].ns;
        if (host_ns(e, ns))
                add(e, self, "the host's %s namespace (%s)", oci_ns_name(ns), flags[ns]);
}

void check_seccomp(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        if (!c->seccomp) {
                add(e, self, "no seccomp filter (--security-opt seccomp=unconfined)");
                return;
        }
        if (!seccomp_action_allows(c->seccomp_default_action))
                return;
        for (size_t i = 0; i < c->n_syscalls; i++)
                if (!seccomp_action_allows(c->syscalls[i].action) && !c->syscalls[i].conditional)
                        return;  /* a conditional deny alone leaves the calls that do not match allowed */
        add(e, self, "a seccomp profile that allows every system call (default action %s)", c->seccomp_default_action);
}

void check_seccomp_permissive(struct eval *e, size_t self) {
        if (!e->cfg->seccomp)
                return;
        for (size_t i = 0; i < denied_syscalls_count; i++) {
                const struct denied_syscall *d = &denied_syscalls[i];
                bool by_cap = (d->cap >= 0 && (e->cfg->caps & (UINT64_C(1) << d->cap))) ||
                              (d->cap2 >= 0 && (e->cfg->caps & (UINT64_C(1) << d->cap2)));
                if (!by_cap && seccomp_allows(e->cfg, d->name))
                        add(e, self, "%s", d->name);
        }
}

void check_apparmor(struct eval *e, size_t self) {
        if (e->cfg->apparmor && streq(e->cfg->apparmor, "unconfined"))
                add(e, self, "AppArmor profile 'unconfined' (--security-opt apparmor=unconfined)");
}

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

/* A node of a dynamic major is stale when the kernel now gives that driver another major. */
static void check_kernel_major(struct eval *e, size_t self, const char *path, const char *host, dev_t rdev) {
        struct hook_host *h = e->in->host;
        for (size_t i = 0; i < node_majors_count; i++) {
                const char *name = node_majors[i].major_name;
                if (!path_match(node_majors[i].pattern, path, false, false))
                        continue;
                if (host_has_major_named(h, 'c', name) && !host_major_is(h, 'c', major(rdev), name))
                        add(e, self, "%s is c %u:%u but %u is not the kernel's %s major (a stale node: run gpucdi "
                            "generate as root, which recreates it, or nvidia-modprobe -u -c 0)",
                            host, major(rdev), minor(rdev), major(rdev), name);
                return;
        }
}

void check_spec_stale(struct eval *e, size_t self) {
        const struct oci_config *c = e->cfg;
        for (size_t i = 0; i < e->grant.n_missing; i++)
                add(e, self, "CDI device %s is in no spec under the CDI directories (a spec may be incomplete: "
                    "gpucdi generate exits 75 when a GPU's nodes were not there yet; run gpucdi generate)",
                    e->grant.missing[i]);

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
                else if (r == -ENODEV)
                        add(e, self, "%s is not a character device on the host", host);
                else if (r >= 0 && (type != d->type || major(rdev) != d->major || minor(rdev) != d->minor))
                        add(e, self, "%s is %c %jd:%jd in the container but %c %u:%u on the host", host, d->type,
                            (intmax_t) d->major, (intmax_t) d->minor, type, major(rdev), minor(rdev));
                else if (r >= 0 && type == 'c')
                        check_kernel_major(e, self, d->path, host, rdev);
        }

        const char *running = NULL;
        bool running_read = false;
        for (size_t i = 0; i < e->n_exp; i++) {
                const struct exposure *x = &e->exp[i];
                if (!driver_exposure(x))
                        continue;
                struct stat st;
                if (lstat(x->source, &st) < 0 && errno == ENOENT) {
                        add(e, self, "%s no longer exists", x->source);
                        continue;
                }
                const char *v = driver_version_of(base_name(x->source));
                if (!v)
                        continue;
                if (!running_read) {
                        running = host_driver_version(e->in->host);
                        running_read = true;
                }
                if (running && !streq(v, running))
                        add(e, self, "%s is from driver %s but driver %s is running", base_name(x->source), v, running);
        }
}
