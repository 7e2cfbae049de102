/* OCI state and config.json parsing: only the fields the rules use, each type-checked, so that a
 * document the runtime would read differently from us is refused rather than misjudged. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *const oci_cap_names[OCI_CAP_LAST + 1] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
        "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int oci_cap_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(oci_cap_names); i++)
                if (streq(oci_cap_names[i], name))
                        return (int) i;
        return -ENOENT;
}

static const char *const ns_names[_OCI_NS_MAX] = {
        [OCI_NS_PID] = "pid",       [OCI_NS_NET] = "network", [OCI_NS_IPC] = "ipc",
        [OCI_NS_UTS] = "uts",       [OCI_NS_MOUNT] = "mount", [OCI_NS_USER] = "user",
        [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_ns_name(enum oci_ns ns) {
        return ns >= 0 && ns < _OCI_NS_MAX ? ns_names[ns] : NULL;
}

/* Type-checked field access. A JSON null counts as absent, as it does for the runtime. */
enum want { W_OBJECT, W_ARRAY, W_STRING, W_INT, W_BOOL };

static const char *want_name(enum want w) {
        static const char *const names[] = { "an object", "an array", "a string", "an integer", "a boolean" };
        return names[w];
}

static bool has_type(json_t *v, enum want w) {
        switch (w) {
        case W_OBJECT: return json_is_object(v);
        case W_ARRAY:  return json_is_array(v);
        case W_STRING: return json_is_string(v);
        case W_INT:    return json_is_integer(v);
        case W_BOOL:   return json_is_boolean(v);
        }
        return false;
}

struct ctx {
        const char *what;
};

static int bad(const struct ctx *c, const char *field, const char *problem) {
        log_error("%s: %s: %s", c->what, field, problem);
        return -EBADMSG;
}

static int field(const struct ctx *c, json_t *parent, const char *prefix, const char *key, enum want w,
                 json_t **ret) {
        *ret = NULL;
        json_t *v = json_object_get(parent, key);
        if (!v || json_is_null(v)) {
                *ret = NULL;
                return 0;
        }
        if (!has_type(v, w)) {
                char name[256];
                snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", key);
                char problem[64];
                snprintf(problem, sizeof problem, "expected %s", want_name(w));
                return bad(c, name, problem);
        }
        *ret = v;
        return 0;
}

static int elem(const struct ctx *c, json_t *array, size_t i, const char *prefix, enum want w, json_t **ret) {
        *ret = NULL;
        json_t *v = json_array_get(array, i);
        if (!has_type(v, w)) {
                char name[256], problem[64];
                snprintf(name, sizeof name, "%s[%zu]", prefix, i);
                snprintf(problem, sizeof problem, "expected %s", want_name(w));
                return bad(c, name, problem);
        }
        *ret = v;
        return 0;
}

/* A JSON array of strings as a NULL-terminated vector of borrowed pointers. */
static int string_array(const struct ctx *c, json_t *array, const char *prefix, const char ***ret, size_t *ret_n) {
        size_t n = json_array_size(array);
        _cleanup_free_ const char **v = calloc(n + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_t *s;
                int r = elem(c, array, i, prefix, W_STRING, &s);
                if (r < 0)
                        return r;
                v[i] = json_string_value(s);
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static json_t *load(const struct ctx *c, const char *buf, size_t len) {
        json_error_t e;
        /* Duplicate keys are refused: the runtime and we must not read different values. */
        json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
        if (!root) {
                log_error("%s: line %d column %d: %s", c->what, e.line, e.column, e.text);
                return NULL;
        }
        if (!json_is_object(root)) {
                bad(c, "(top level)", "expected an object");
                json_decref(root);
                return NULL;
        }
        return root;
}

int oci_state_parse(const char *buf, size_t len, const char *what, struct oci_state *ret) {
        const struct ctx c = { what };
        json_t *root = load(&c, buf, len), *v;
        if (!root)
                return -EBADMSG;
        struct oci_state s = { .root = root };
        int r = field(&c, root, "", "id", W_STRING, &v);
        if (r < 0)
                goto fail;
        if (!v || !*json_string_value(v)) {
                r = bad(&c, "id", "missing: a hook must be given the container's state on stdin");
                goto fail;
        }
        s.id = json_string_value(v);
        r = field(&c, root, "", "bundle", W_STRING, &v);
        if (r < 0)
                goto fail;
        if (!v || json_string_value(v)[0] != '/') {
                r = bad(&c, "bundle", "missing or not an absolute path");
                goto fail;
        }
        s.bundle = json_string_value(v);
        *ret = s;
        return 0;
fail:
        json_decref(root);
        return r;
}

void oci_state_free(struct oci_state *s) {
        json_decref(s->root);
        *s = (struct oci_state) {};
}

static int parse_caps(const struct ctx *c, json_t *process, struct oci_config *cfg) {
        static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
        json_t *caps;
        int r = field(c, process, "process", "capabilities", W_OBJECT, &caps);
        if (r < 0 || !caps)
                return r;
        for (size_t s = 0; s < ELEMENTSOF(sets); s++) {
                json_t *a;
                char prefix[64];
                snprintf(prefix, sizeof prefix, "process.capabilities.%s", sets[s]);
                r = field(c, caps, "process.capabilities", sets[s], W_ARRAY, &a);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < json_array_size(a); i++) {
                        json_t *n;
                        r = elem(c, a, i, prefix, W_STRING, &n);
                        if (r < 0)
                                return r;
                        int cap = oci_cap_from_name(json_string_value(n));
                        if (cap >= 0)
                                cfg->caps |= UINT64_C(1) << cap;
                }
        }
        return 0;
}

static int parse_process(const struct ctx *c, json_t *root, struct oci_config *cfg) {
        json_t *process, *v;
        int r = field(c, root, "", "process", W_OBJECT, &process);
        if (r < 0 || !process)
                return r;
        r = parse_caps(c, process, cfg);
        if (r < 0)
                return r;
        r = field(c, process, "process", "noNewPrivileges", W_BOOL, &v);
        if (r < 0)
                return r;
        cfg->no_new_privileges = v && json_is_true(v);
        r = field(c, process, "process", "apparmorProfile", W_STRING, &v);
        if (r < 0)
                return r;
        cfg->apparmor = v ? json_string_value(v) : NULL;
        return 0;
}

/* A device number; absent is -1 ("any" in a cgroup rule). Above `max` is refused: the runtime
 * would truncate it to another device (mknod keeps 12 bits of a major, an older runc's eBPF device
 * filter 32), so we would judge a different device from the one the container gets. */
static int get_devnum(const struct ctx *c, json_t *obj, const char *prefix, const char *key, int64_t max,
                      bool negative_is_any, int64_t *ret) {
        json_t *v;
        int r = field(c, obj, prefix, key, W_INT, &v);
        if (r < 0)
                return r;
        int64_t n = v ? (int64_t) json_integer_value(v) : -1;
        if (n > max || (n < 0 && v && !negative_is_any)) {
                char name[256], problem[96];
                snprintf(name, sizeof name, "%s.%s", prefix, key);
                snprintf(problem, sizeof problem, "%jd is not a device number (0 to %jd)", (intmax_t) n, (intmax_t) max);
                return bad(c, name, problem);
        }
        /* runc treats every negative number in a cgroup rule as "any". */
        *ret = n < -1 ? -1 : n;
        return 0;
}

static int parse_devices(const struct ctx *c, json_t *linux, struct oci_config *cfg) {
        json_t *a;
        int r = field(c, linux, "linux", "devices", W_ARRAY, &a);
        if (r < 0 || !a)
                return r;
        size_t n = json_array_size(a);
        cfg->devices = calloc(n ? n : 1, sizeof *cfg->devices);
        if (!cfg->devices)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "linux.devices[%zu]", i);
                json_t *d, *v;
                r = elem(c, a, i, "linux.devices", W_OBJECT, &d);
                if (r < 0)
                        return r;
                struct oci_device *dev = &cfg->devices[i];
                r = field(c, d, prefix, "path", W_STRING, &v);
                if (r < 0)
                        return r;
                if (!v)
                        return bad(c, prefix, "missing path");
                dev->path = json_string_value(v);
                r = field(c, d, prefix, "type", W_STRING, &v);
                if (r < 0)
                        return r;
                const char *t = v ? json_string_value(v) : "";
                if (strlen(t) != 1 || !strchr("cbup", t[0]))
                        return bad(c, prefix, "type must be one of c, b, u, p");
                dev->type = t[0] == 'u' ? 'c' : t[0];
                r = get_devnum(c, d, prefix, "major", 0xfff, false, &dev->major);
                if (r < 0)
                        return r;
                r = get_devnum(c, d, prefix, "minor", 0xfffff, false, &dev->minor);
                if (r < 0)
                        return r;
                cfg->n_devices++;
        }
        return 0;
}

static int parse_cgroup_rules(const struct ctx *c, json_t *linux, struct oci_config *cfg) {
        json_t *res, *a;
        int r = field(c, linux, "linux", "resources", W_OBJECT, &res);
        if (r < 0 || !res)
                return r;
        r = field(c, res, "linux.resources", "devices", W_ARRAY, &a);
        if (r < 0 || !a)
                return r;
        size_t n = json_array_size(a);
        cfg->cgroup_rules = calloc(n ? n : 1, sizeof *cfg->cgroup_rules);
        if (!cfg->cgroup_rules)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "linux.resources.devices[%zu]", i);
                json_t *d, *v;
                r = elem(c, a, i, "linux.resources.devices", W_OBJECT, &d);
                if (r < 0)
                        return r;
                struct oci_cgroup_rule *rule = &cfg->cgroup_rules[i];
                r = field(c, d, prefix, "allow", W_BOOL, &v);
                if (r < 0)
                        return r;
                if (!v)
                        return bad(c, prefix, "missing allow");
                rule->allow = json_is_true(v);
                r = field(c, d, prefix, "type", W_STRING, &v);
                if (r < 0)
                        return r;
                const char *t = v ? json_string_value(v) : "a";
                if (strlen(t) != 1 || !strchr("acb", t[0]))
                        return bad(c, prefix, "type must be one of a, c, b");
                rule->type = t[0];
                r = get_devnum(c, d, prefix, "major", UINT32_MAX, true, &rule->major);
                if (r < 0)
                        return r;
                r = get_devnum(c, d, prefix, "minor", UINT32_MAX, true, &rule->minor);
                if (r < 0)
                        return r;
                r = field(c, d, prefix, "access", W_STRING, &v);
                if (r < 0)
                        return r;
                const char *acc = v ? json_string_value(v) : "rwm";
                rule->rw = strpbrk(acc, "rw") != NULL;
                cfg->n_cgroup_rules++;
        }
        return 0;
}

static int parse_namespaces(const struct ctx *c, json_t *linux, struct oci_config *cfg) {
        json_t *a;
        int r = field(c, linux, "linux", "namespaces", W_ARRAY, &a);
        if (r < 0 || !a)
                return r;
        for (size_t i = 0; i < json_array_size(a); i++) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "linux.namespaces[%zu]", i);
                json_t *ns, *t, *p;
                r = elem(c, a, i, "linux.namespaces", W_OBJECT, &ns);
                if (r < 0)
                        return r;
                r = field(c, ns, prefix, "type", W_STRING, &t);
                if (r < 0)
                        return r;
                if (!t)
                        return bad(c, prefix, "missing type");
                r = field(c, ns, prefix, "path", W_STRING, &p);
                if (r < 0)
                        return r;
                for (int k = 0; k < _OCI_NS_MAX; k++)
                        if (streq(ns_names[k], json_string_value(t))) {
                                cfg->ns_present[k] = true;
                                cfg->ns_path[k] = p && *json_string_value(p) ? json_string_value(p) : NULL;
                        }
        }
        return 0;
}

static int parse_seccomp(const struct ctx *c, json_t *linux, struct oci_config *cfg) {
        json_t *s, *v;
        int r = field(c, linux, "linux", "seccomp", W_OBJECT, &s);
        if (r < 0 || !s)
                return r;
        cfg->seccomp = true;
        r = field(c, s, "linux.seccomp", "defaultAction", W_STRING, &v);
        if (r < 0)
                return r;
        cfg->seccomp_default_action = v ? json_string_value(v) : NULL;
        r = field(c, s, "linux.seccomp", "syscalls", W_ARRAY, &v);
        if (r < 0)
                return r;
        cfg->seccomp_n_syscalls = json_array_size(v);
        return 0;
}

static int parse_linux(const struct ctx *c, json_t *root, struct oci_config *cfg) {
        json_t *linux, *a;
        int r = field(c, root, "", "linux", W_OBJECT, &linux);
        if (r < 0 || !linux)
                return r;
        if ((r = parse_devices(c, linux, cfg)) < 0 ||
            (r = parse_cgroup_rules(c, linux, cfg)) < 0 ||
            (r = parse_namespaces(c, linux, cfg)) < 0 ||
            (r = parse_seccomp(c, linux, cfg)) < 0)
                return r;
        r = field(c, linux, "linux", "maskedPaths", W_ARRAY, &a);
        if (r < 0)
                return r;
        if (a && (r = string_array(c, a, "linux.maskedPaths", &cfg->masked_paths, &cfg->n_masked_paths)) < 0)
                return r;
        r = field(c, linux, "linux", "readonlyPaths", W_ARRAY, &a);
        if (r < 0)
                return r;
        if (a && (r = string_array(c, a, "linux.readonlyPaths", &cfg->readonly_paths, &cfg->n_readonly_paths)) < 0)
                return r;
        return 0;
}

static int parse_mounts(const struct ctx *c, json_t *root, struct oci_config *cfg) {
        json_t *a;
        int r = field(c, root, "", "mounts", W_ARRAY, &a);
        if (r < 0 || !a)
                return r;
        size_t n = json_array_size(a);
        cfg->mounts = calloc(n ? n : 1, sizeof *cfg->mounts);
        if (!cfg->mounts)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "mounts[%zu]", i);
                json_t *m, *v, *opts;
                r = elem(c, a, i, "mounts", W_OBJECT, &m);
                if (r < 0)
                        return r;
                struct oci_mount *mnt = &cfg->mounts[i];
                r = field(c, m, prefix, "destination", W_STRING, &v);
                if (r < 0)
                        return r;
                if (!v)
                        return bad(c, prefix, "missing destination");
                mnt->destination = json_string_value(v);
                r = field(c, m, prefix, "source", W_STRING, &v);
                if (r < 0)
                        return r;
                mnt->source = v ? json_string_value(v) : NULL;
                r = field(c, m, prefix, "type", W_STRING, &v);
                if (r < 0)
                        return r;
                mnt->type = v ? json_string_value(v) : NULL;
                mnt->bind = mnt->type && streq(mnt->type, "bind");
                r = field(c, m, prefix, "options", W_ARRAY, &opts);
                if (r < 0)
                        return r;
                char oprefix[80];
                snprintf(oprefix, sizeof oprefix, "%s.options", prefix);
                for (size_t k = 0; k < json_array_size(opts); k++) {
                        json_t *o;
                        r = elem(c, opts, k, oprefix, W_STRING, &o);
                        if (r < 0)
                                return r;
                        const char *s = json_string_value(o);
                        /* Later options win, as in mount(8) and the runtime. */
                        if (streq(s, "bind") || streq(s, "rbind"))
                                mnt->bind = true;
                        else if (streq(s, "ro"))
                                mnt->ro = true;
                        else if (streq(s, "rw"))
                                mnt->ro = false;
                }
                /* runc joins a relative bind source to the bundle directory ("../../../../etc"):
                 * podman never writes one, and judging it would mean resolving it the same way. */
                if (mnt->bind && mnt->source && mnt->source[0] != '/')
                        return bad(c, prefix, "a bind mount source must be an absolute path");
                cfg->n_mounts++;
        }
        return 0;
}

static int parse_hooks(const struct ctx *c, json_t *root, struct oci_config *cfg) {
        json_t *hooks, *a;
        int r = field(c, root, "", "hooks", W_OBJECT, &hooks);
        if (r < 0 || !hooks)
                return r;
        r = field(c, hooks, "hooks", "prestart", W_ARRAY, &a);
        if (r < 0 || !a)
                return r;
        size_t n = json_array_size(a);
        cfg->prestart = calloc(n ? n : 1, sizeof *cfg->prestart);
        if (!cfg->prestart)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char prefix[64], aprefix[80];
                snprintf(prefix, sizeof prefix, "hooks.prestart[%zu]", i);
                snprintf(aprefix, sizeof aprefix, "%s.args", prefix);
                json_t *h, *v;
                r = elem(c, a, i, "hooks.prestart", W_OBJECT, &h);
                if (r < 0)
                        return r;
                struct oci_hook *hk = &cfg->prestart[i];
                r = field(c, h, prefix, "path", W_STRING, &v);
                if (r < 0)
                        return r;
                if (!v)
                        return bad(c, prefix, "missing path");
                hk->path = json_string_value(v);
                r = field(c, h, prefix, "args", W_ARRAY, &v);
                if (r < 0)
                        return r;
                if (v)
                        r = string_array(c, v, aprefix, &hk->args, &hk->n_args);
                else
                        r = (hk->args = calloc(1, sizeof *hk->args)) ? 0 : -ENOMEM;
                if (r < 0)
                        return r;
                cfg->n_prestart++;
        }
        return 0;
}

int oci_config_parse(const char *buf, size_t len, const char *what, struct oci_config *ret) {
        const struct ctx c = { what };
        json_t *root = load(&c, buf, len);
        if (!root)
                return -EBADMSG;
        struct oci_config cfg = { .root = root };
        int r;
        if ((r = parse_process(&c, root, &cfg)) < 0 ||
            (r = parse_linux(&c, root, &cfg)) < 0 ||
            (r = parse_mounts(&c, root, &cfg)) < 0 ||
            (r = parse_hooks(&c, root, &cfg)) < 0) {
                oci_config_free(&cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

void oci_config_free(struct oci_config *c) {
        for (size_t i = 0; i < c->n_prestart; i++)
                free(c->prestart[i].args);
        free(c->prestart);
        free(c->devices);
        free(c->cgroup_rules);
        free(c->mounts);
        free(c->masked_paths);
        free(c->readonly_paths);
        json_decref(c->root);
        *c = (struct oci_config) {};
}

static int load_fd(int fd, const char *path, struct oci_config *ret) {
        struct stat st;
        if (fstat(fd, &st) < 0)
                return log_error_errno(-errno, "Failed to stat %s: %m", path);
        if (!S_ISREG(st.st_mode))
                return log_error_errno(-EBADMSG, "%s is not a regular file", path);
        if ((uint64_t) st.st_size > OCI_CONFIG_MAX)
                return log_error_errno(-EFBIG, "%s is %jd bytes, more than the %u bytes a container config may have",
                                       path, (intmax_t) st.st_size, OCI_CONFIG_MAX);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_fd(fd, OCI_CONFIG_MAX, &buf, &len);
        if (r == -EFBIG)
                return log_error_errno(r, "%s grew beyond %u bytes while being read", path, OCI_CONFIG_MAX);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        return oci_config_parse(buf, len, path, ret);
}

int oci_config_load_bundle(const char *bundle, struct oci_config *ret) {
        _cleanup_free_ char *path = NULL;
        int r = path_join(bundle, "config.json", &path);
        if (r < 0)
                return log_error_errno(r, "Out of memory");
        _cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return log_error_errno(-errno, "Failed to open the bundle directory %s: %m", bundle);
        _cleanup_close_ int fd = openat(dfd, "config.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 && errno == ELOOP)
                return log_error_errno(-ELOOP, "%s is a symbolic link; the hook reads only a regular config.json", path);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to open %s: %m", path);
        return load_fd(fd, path, ret);
}

int oci_config_load_file(const char *path, struct oci_config *ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, "Failed to open %s: %m", path);
        return load_fd(fd, path, ret);
}
