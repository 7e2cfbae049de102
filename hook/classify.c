#include "classify.h"

#include <fnmatch.h>
#include <string.h>

#include "util.h"

bool path_match(const char *pattern, const char *path, bool allow_under, bool allow_above) {
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

bool path_match_rule(const struct path_rule *p, const char *path) {
        bool under = p->match == M_UNDER || p->match == M_COVERS;
        bool above = p->match == M_ABOVE || p->match == M_COVERS || p->match == M_PARENT_RO;
        if (!path_match(p->pattern, path, under, above))
                return false;
        /* M_PARENT_RO: a proper ancestor only. */
        return p->match != M_PARENT_RO || !path_match(p->pattern, path, false, false);
}

bool gpu_path(const char *path) {
        for (size_t i = 0; path && i < gpu_paths_count; i++)
                if (path_match(gpu_paths[i], path, true, false))
                        return true;
        return false;
}

static bool range_matches(struct hook_host *h, const struct dev_range *d, char type, int64_t major, int64_t minor) {
        if (d->type != type)
                return false;
        if (d->major_name) {
                if (!dev_major_dynamic(major))
                        return false;
                const char *name = host_major_name(h, type, major);
                if (!name || !streq(name, d->major_name))
                        return false;
        } else if (major < d->major_lo || major > d->major_hi)
                return false;
        return minor < 0 || (minor >= d->minor_lo && minor <= d->minor_hi);
}

enum dev_class classify_device(struct hook_host *h, char type, int64_t major, int64_t minor, const char *path,
                               const char **ret_label) {
        *ret_label = NULL;
        /* The path speaks for dynamic majors (nvidia-uvm where /proc/devices is not readable); a
         * fixed major speaks for itself (--device /dev/null:/dev/nvidia0 is /dev/null). */
        if (type == 'c' && gpu_path(path) && (major < 0 || dev_major_dynamic(major))) {
                *ret_label = "a GPU node";
                return DEV_GPU;
        }
        if (type == 'c' && major == MISC_MAJOR && minor >= 0) {
                const char *name = host_misc_name(h, minor);
                for (size_t i = 0; name && i < misc_devices_count; i++)
                        if (streq(misc_devices[i].name, name)) {
                                *ret_label = misc_devices[i].label;
                                return DEV_SENSITIVE;
                        }
        }
        /* With any minor, the worst class of the major wins: GPU, then sensitive. */
        enum dev_class best = DEV_OTHER;
        for (size_t i = 0; i < dev_ranges_count; i++) {
                const struct dev_range *d = &dev_ranges[i];
                if (!range_matches(h, d, type, major, minor))
                        continue;
                if (minor >= 0) {
                        *ret_label = d->label;
                        return d->cls;
                }
                if (d->cls == DEV_GPU)
                        best = DEV_GPU;
                else if (d->cls == DEV_SENSITIVE && best == DEV_OTHER)
                        best = DEV_SENSITIVE;
                if (!*ret_label || d->cls == best)
                        *ret_label = d->label;
        }
        return best;
}

bool gpu_drivers_loaded(struct hook_host *h) {
        if (host_major_name(h, 'c', 195) || host_major_name(h, 'c', 226))
                return true;
        for (size_t i = 0; i < dev_ranges_count; i++)
                if (dev_ranges[i].cls == DEV_GPU && dev_ranges[i].major_name &&
                    host_has_major_named(h, 'c', dev_ranges[i].major_name))
                        return true;
        return false;
}

const struct fstype_rule *classify_fstype(struct hook_host *h, const char *type) {
        for (size_t i = 0; type && i < fstype_rules_count; i++)
                if (streq(fstype_rules[i].type, type)) {
                        const char *as = fstype_rules[i].unified_as;
                        return as && h && host_cgroup_unified(h) ? classify_fstype(h, as) : &fstype_rules[i];
                }
        return NULL;
}

const char *classify_cap(int cap) {
        for (size_t i = 0; i < cap_classes_count; i++)
                if (cap_classes[i].cap == cap)
                        return cap_classes[i].rule;
        return CAP_OTHER_RULE;
}

static bool in_list(const char *const *v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

bool seccomp_allows(const struct oci_config *c, const char *syscall) {
        if (!c->seccomp)
                return true;
        bool named = false;
        for (size_t i = 0; i < c->n_syscalls; i++) {
                const struct oci_syscall_rule *r = &c->syscalls[i];
                bool has = false;
                /* The first byte first: profiles list some 350 names, asked about for each denied one. */
                for (size_t k = 0; r->names && r->names[k] && !has; k++)
                        has = r->names[k][0] == syscall[0] && streq(r->names[k], syscall);
                if (!has)
                        continue;
                if (!seccomp_action_allows(r->action)) {
                        /* a conditional deny denies matching calls only; the rest get the default */
                        named |= !r->conditional;
                        continue;
                }
                named = true;
                if (!r->conditional || !in_list(conditional_syscalls, conditional_syscalls_count, syscall))
                        return true;
        }
        return !named && seccomp_action_allows(c->seccomp_default_action);
}

bool mount_is_overlay(const struct oci_mount *m) {
        return !m->bind && m->type && streq(m->type, "overlay");
}

bool mount_is_kernel_fs(const struct oci_mount *m) {
        return !m->bind && !mount_is_overlay(m);
}

/* The last value of an environment variable, as a map built from the list keeps it; NULL if unset. */
static const char *env_get(const struct oci_config *c, const char *name) {
        const char *v = NULL;
        size_t l = strlen(name);
        for (size_t i = 0; i < c->n_env; i++)
                if (c->env[i] && strncmp(c->env[i], name, l) == 0 && c->env[i][l] == '=')
                        v = c->env[i] + l + 1;
        return v;
}

const char *gpu_injecting_hook(const struct oci_config *c) {
        const char *hook = NULL;
        for (size_t i = 0; i < c->n_hook_paths && !hook; i++) {
                const char *b = strrchr(c->hook_paths[i], '/');
                b = b ? b + 1 : c->hook_paths[i];
                for (size_t k = 0; k < gpu_injecting_hooks_count && !hook; k++)
                        if (streq(b, gpu_injecting_hooks[k]))
                                hook = c->hook_paths[i];
        }
        if (!hook)
                return NULL;
        /* NVIDIA's rules: unset means "all" in a legacy CUDA image (CUDA_VERSION without
         * NVIDIA_REQUIRE_CUDA), nothing otherwise; "" and "void" mean nothing; "none" still gives
         * the control nodes. */
        const char *v = env_get(c, "NVIDIA_VISIBLE_DEVICES");
        if (!v)
                return env_get(c, "CUDA_VERSION") && !env_get(c, "NVIDIA_REQUIRE_CUDA") ? hook : NULL;
        return *v && !streq(v, "void") ? hook : NULL;
}
