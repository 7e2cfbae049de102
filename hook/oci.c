/* OCI state and config.json, read as runc reads them with Go's encoding/json: a struct field takes
 * every key that equals its name or folds to it (gj_key_folds_to), the last one wins and objects
 * merge. Several keys for one field are recorded as ambiguous (crun matches keys exactly, so the
 * two runtimes would apply different values); a wrong type as malformed. Both only matter for a
 * GPU container: the model still holds every candidate value, so that "does it reach a GPU" is
 * answered over all of them. Elements of devices, cgroup rules and mounts with several candidates
 * for a field are read once per candidate (variant k takes the k-th candidate of each field). */
#include "oci.h"
#include "oci-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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

/* ---- Go's field lookup ------------------------------------------------------------------ */

static size_t ncand(const struct gj_node *obj, const char *name) {
        size_t n = 0;
        if (obj && obj->type == GJ_OBJECT)
                for (const struct gj_node *m = obj->child; m; m = m->next)
                        n += gj_key_folds_to(m->key, m->klen, name);
        return n;
}

/* The k-th member for a field, the last one when there are fewer; NULL when none. */
static const struct gj_node *cand(const struct gj_node *obj, const char *name, size_t k) {
        const struct gj_node *last = NULL;
        if (!obj || obj->type != GJ_OBJECT)
                return NULL;
        for (const struct gj_node *m = obj->child; m; m = m->next)
                if (gj_key_folds_to(m->key, m->klen, name)) {
                        last = m;
                        if (k-- == 0)
                                break;
                }
        return last;
}

#define FOR_CAND(v, obj, name) \
        for (const struct gj_node *v = (obj) && (obj)->type == GJ_OBJECT ? (obj)->child : NULL; v; v = v->next) \
                if (gj_key_folds_to(v->key, v->klen, name))

_printf_(3, 4)
static void note(char **v, size_t *n, const char *fmt, ...) {
        if (*n >= OCI_MAX_NOTES)
                return;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&v[*n], fmt, ap) >= 0)
                (*n)++;
        va_end(ap);
}

struct rd {
        struct oci_config *cfg;
};

/* Record fields of a struct object that more than one key folds to; return the most candidates
 * any of them has (the number of variants to read). */
static size_t fields(struct rd *r, const struct gj_node *obj, const char *prefix, const char *const *names) {
        size_t most = 1;
        for (const char *const *f = names; *f; f++) {
                size_t n = ncand(obj, *f);
                if (n > 1 && r->cfg)
                        note(r->cfg->ambiguous, &r->cfg->n_ambiguous, "%s%s%s: %zu keys name this field", prefix,
                             *prefix ? "." : "", *f, n);
                if (n > most)
                        most = n;
        }
        return most;
}

/* A value of the expected type; null is absent (Go leaves the field as it is). */
static bool typed(struct rd *r, const struct gj_node *v, enum gj_type t, const char *prefix, const char *name) {
        if (!v || v->type == GJ_NULL)
                return false;
        bool ok = v->type == t || (t == GJ_TRUE && v->type == GJ_FALSE);
        if (!ok && r->cfg)
                note(r->cfg->malformed, &r->cfg->n_malformed, "%s%s%s: expected %s, not %s", prefix, *prefix ? "." : "",
                     name, gj_type_name(t), gj_type_name(v->type));
        return ok;
}

static const char *str_of(struct rd *r, const struct gj_node *obj, const char *name, size_t k, const char *prefix) {
        const struct gj_node *v = cand(obj, name, k);
        return typed(r, v, GJ_STRING, prefix, name) ? v->str : NULL;
}

/* Every string of every candidate array of a field, appended to a NULL-terminated vector. */
static int strings(struct rd *r, const struct gj_node *obj, const char *name, const char *prefix,
                   const char ***v, size_t *n) {
        FOR_CAND(a, obj, name) {
                if (!typed(r, a, GJ_ARRAY, prefix, name))
                        continue;
                for (const struct gj_node *s = a->child; s; s = s->next) {
                        const char *str = s->type == GJ_STRING ? s->str : "";
                        if (s->type != GJ_STRING && s->type != GJ_NULL)
                                typed(r, s, GJ_STRING, prefix, name);
                        if (oci_vec_push(v, n, sizeof str, &str) < 0)
                                return -ENOMEM;
                }
        }
        return oci_vec_empty(v, sizeof **v);
}

/* An int64 field of variant k. Absent or null: `absent`. */
static int64_t int_of(struct rd *r, const struct gj_node *obj, const char *name, size_t k, const char *prefix,
                      int64_t absent) {
        const struct gj_node *v = cand(obj, name, k);
        int64_t n;
        if (!typed(r, v, GJ_NUMBER, prefix, name))
                return absent;
        int e = gj_int64(v, &n);
        if (e < 0) {
                if (r->cfg)
                        note(r->cfg->malformed, &r->cfg->n_malformed, "%s.%s: %.*s is not a 64-bit integer", prefix,
                             name, (int) (v->len > 40 ? 40 : v->len), v->str);
                return absent;
        }
        return n;
}

static bool bool_of(struct rd *r, const struct gj_node *obj, const char *name, size_t k, const char *prefix,
                    bool absent) {
        const struct gj_node *v = cand(obj, name, k);
        return typed(r, v, GJ_TRUE, prefix, name) ? v->type == GJ_TRUE : absent;
}

/* ---- the config model ------------------------------------------------------------------- */

static int parse_caps(struct rd *r, const struct gj_node *process) {
        static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient", NULL };
        struct oci_config *cfg = r->cfg;
        FOR_CAND(caps, process, "capabilities") {
                if (!typed(r, caps, GJ_OBJECT, "process", "capabilities"))
                        continue;
                fields(r, caps, "process.capabilities", sets);
                for (size_t s = 0; sets[s]; s++) {
                        _cleanup_free_ const char **names = NULL;
                        size_t n = 0;
                        if (strings(r, caps, sets[s], "process.capabilities", &names, &n) < 0)
                                return -ENOMEM;
                        for (size_t i = 0; i < n; i++) {
                                int cap = oci_cap_from_name(names[i]);
                                if (cap >= 0)
                                        cfg->caps |= UINT64_C(1) << cap;
                                else if (!cfg->unknown_cap)
                                        cfg->unknown_cap = names[i];
                        }
                }
        }
        return 0;
}

static int parse_process(struct rd *r, const struct gj_node *root) {
        static const char *const f[] = { "capabilities", "noNewPrivileges", "apparmorProfile", "env", NULL };
        FOR_CAND(p, root, "process") {
                if (!typed(r, p, GJ_OBJECT, "", "process"))
                        continue;
                fields(r, p, "process", f);
                int e = parse_caps(r, p);
                if (e < 0)
                        return e;
                r->cfg->no_new_privileges = bool_of(r, p, "noNewPrivileges", SIZE_MAX, "process",
                                                    r->cfg->no_new_privileges);
                const char *a = str_of(r, p, "apparmorProfile", SIZE_MAX, "process");
                if (a)
                        r->cfg->apparmor = a;
                if ((e = strings(r, p, "env", "process", &r->cfg->env, &r->cfg->n_env)) < 0)
                        return e;
        }
        return 0;
}

static int parse_root(struct rd *r, const struct gj_node *root) {
        static const char *const f[] = { "path", "readonly", NULL };
        FOR_CAND(o, root, "root") {
                if (!typed(r, o, GJ_OBJECT, "", "root"))
                        continue;
                fields(r, o, "root", f);
                const char *p = str_of(r, o, "path", SIZE_MAX, "root");
                if (p)
                        r->cfg->root_path = p;
                r->cfg->root_readonly = bool_of(r, o, "readonly", SIZE_MAX, "root", r->cfg->root_readonly);
        }
        return 0;
}

/* Device numbers as the runtime applies them: runc packs them into the 32-bit dev_t mknod takes
 * (unix.Mkdev, then the syscall's unsigned int): major & 0xfff, minor & 0xfffff. */
static int parse_devices(struct rd *r, const struct gj_node *linux) {
        static const char *const f[] = { "path", "type", "major", "minor", NULL };
        struct oci_config *cfg = r->cfg;
        FOR_CAND(a, linux, "devices") {
                if (!typed(r, a, GJ_ARRAY, "linux", "devices"))
                        continue;
                for (const struct gj_node *d = a->child; d; d = d->next) {
                        if (!typed(r, d, GJ_OBJECT, "linux", "devices[]"))
                                continue;
                        size_t variants = fields(r, d, "linux.devices[]", f);
                        for (size_t k = 0; k < variants; k++) {
                                struct oci_device dev = {};
                                dev.path = str_of(r, d, "path", k, "linux.devices[]");
                                const char *t = str_of(r, d, "type", k, "linux.devices[]");
                                dev.type = t && (streq(t, "b") || streq(t, "p")) ? t[0] : 'c';
                                dev.major = (int64_t) ((uint32_t) int_of(r, d, "major", k, "linux.devices[]", 0) & 0xfff);
                                dev.minor = (int64_t) ((uint32_t) int_of(r, d, "minor", k, "linux.devices[]", 0) & 0xfffff);
                                if (!dev.path)
                                        dev.path = "";
                                if (oci_vec_push(&cfg->devices, &cfg->n_devices, sizeof dev, &dev) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        return 0;
}

/* A cgroup rule's number: absent or negative is "any"; beyond 32 bits it is truncated as the
 * eBPF device filter compares it, and a number above 12 bits then matches no device. */
static int64_t cgroup_num(struct rd *r, const struct gj_node *d, const char *name, size_t k) {
        int64_t v = int_of(r, d, name, k, "linux.resources.devices[]", -1);
        if (v < 0)
                return -1;
        return (int64_t) (uint32_t) v;
}

static int parse_cgroup_rules(struct rd *r, const struct gj_node *linux) {
        static const char *const fres[] = { "devices", NULL };
        static const char *const f[] = { "allow", "type", "major", "minor", "access", NULL };
        struct oci_config *cfg = r->cfg;
        FOR_CAND(res, linux, "resources") {
                if (!typed(r, res, GJ_OBJECT, "linux", "resources"))
                        continue;
                fields(r, res, "linux.resources", fres);
                FOR_CAND(a, res, "devices") {
                        if (!typed(r, a, GJ_ARRAY, "linux.resources", "devices"))
                                continue;
                        for (const struct gj_node *d = a->child; d; d = d->next) {
                                if (!typed(r, d, GJ_OBJECT, "linux.resources", "devices[]"))
                                        continue;
                                size_t variants = fields(r, d, "linux.resources.devices[]", f);
                                for (size_t k = 0; k < variants; k++) {
                                        struct oci_cgroup_rule rule = {};
                                        rule.allow = bool_of(r, d, "allow", k, "linux.resources.devices[]", false);
                                        const char *t = str_of(r, d, "type", k, "linux.resources.devices[]");
                                        rule.type = t && (streq(t, "c") || streq(t, "b")) ? t[0] : 'a';
                                        rule.major = cgroup_num(r, d, "major", k);
                                        rule.minor = cgroup_num(r, d, "minor", k);
                                        const char *acc = str_of(r, d, "access", k, "linux.resources.devices[]");
                                        rule.rw = !acc || !*acc || strpbrk(acc, "rw");
                                        if (oci_vec_push(&cfg->cgroup_rules, &cfg->n_cgroup_rules, sizeof rule, &rule) < 0)
                                                return -ENOMEM;
                                }
                        }
                }
        }
        return 0;
}

static void parse_namespaces(struct rd *r, const struct gj_node *linux) {
        static const char *const f[] = { "type", "path", NULL };
        FOR_CAND(a, linux, "namespaces") {
                if (!typed(r, a, GJ_ARRAY, "linux", "namespaces"))
                        continue;
                for (const struct gj_node *ns = a->child; ns; ns = ns->next) {
                        if (!typed(r, ns, GJ_OBJECT, "linux", "namespaces[]"))
                                continue;
                        fields(r, ns, "linux.namespaces[]", f);
                        const char *t = str_of(r, ns, "type", SIZE_MAX, "linux.namespaces[]");
                        const char *p = str_of(r, ns, "path", SIZE_MAX, "linux.namespaces[]");
                        for (int k = 0; t && k < _OCI_NS_MAX; k++)
                                if (streq(ns_names[k], t)) {
                                        r->cfg->ns_present[k] = true;
                                        r->cfg->ns_path[k] = p && *p ? p : NULL;
                                }
                }
        }
}

static int parse_seccomp(struct rd *r, const struct gj_node *linux) {
        static const char *const f[] = { "defaultAction", "syscalls", NULL };
        static const char *const fs[] = { "names", "action", "args", NULL };
        struct oci_config *cfg = r->cfg;
        FOR_CAND(s, linux, "seccomp") {
                if (!typed(r, s, GJ_OBJECT, "linux", "seccomp"))
                        continue;
                cfg->seccomp = true;
                fields(r, s, "linux.seccomp", f);
                const char *a = str_of(r, s, "defaultAction", SIZE_MAX, "linux.seccomp");
                if (a)
                        cfg->seccomp_default_action = a;
                FOR_CAND(arr, s, "syscalls") {
                        if (!typed(r, arr, GJ_ARRAY, "linux.seccomp", "syscalls"))
                                continue;
                        for (const struct gj_node *sc = arr->child; sc; sc = sc->next) {
                                if (!typed(r, sc, GJ_OBJECT, "linux.seccomp", "syscalls[]"))
                                        continue;
                                fields(r, sc, "linux.seccomp.syscalls[]", fs);
                                struct oci_syscall_rule rule = {};
                                size_t n = 0;
                                if (strings(r, sc, "names", "linux.seccomp.syscalls[]", &rule.names, &n) < 0)
                                        return -ENOMEM;
                                rule.action = str_of(r, sc, "action", SIZE_MAX, "linux.seccomp.syscalls[]");
                                const struct gj_node *args = cand(sc, "args", SIZE_MAX);
                                rule.conditional = args && args->type == GJ_ARRAY && args->len > 0;
                                if (oci_vec_push(&cfg->syscalls, &cfg->n_syscalls, sizeof rule, &rule) < 0) {
                                        free(rule.names);
                                        return -ENOMEM;
                                }
                        }
                }
        }
        return 0;
}

static int parse_idmaps(struct rd *r, const struct gj_node *linux) {
        static const char *const keys[] = { "uidMappings", "gidMappings" };
        static const char *const f[] = { "containerID", "hostID", "size", NULL };
        for (size_t g = 0; g < 2; g++)
                FOR_CAND(a, linux, keys[g]) {
                        if (!typed(r, a, GJ_ARRAY, "linux", keys[g]))
                                continue;
                        for (const struct gj_node *m = a->child; m; m = m->next) {
                                if (!typed(r, m, GJ_OBJECT, "linux", keys[g]))
                                        continue;
                                size_t n = fields(r, m, "linux.idMappings[]", f);
                                for (size_t k = 0; k < n; k++) {
                                        struct oci_idmap im = { g == 1, int_of(r, m, "hostID", k, "linux.idMappings[]", 0),
                                                                int_of(r, m, "size", k, "linux.idMappings[]", 0) };
                                        if (oci_vec_push(&r->cfg->idmaps, &r->cfg->n_idmaps, sizeof im, &im) < 0)
                                                return -ENOMEM;
                                }
                        }
                }
        return 0;
}

static int parse_linux(struct rd *r, const struct gj_node *root) {
        static const char *const f[] = { "devices", "resources", "namespaces", "seccomp", "maskedPaths",
                                         "readonlyPaths", "rootfsPropagation", "uidMappings", "gidMappings", NULL };
        struct oci_config *cfg = r->cfg;
        int e;
        FOR_CAND(l, root, "linux") {
                if (!typed(r, l, GJ_OBJECT, "", "linux"))
                        continue;
                fields(r, l, "linux", f);
                if ((e = parse_devices(r, l)) < 0 || (e = parse_cgroup_rules(r, l)) < 0 || (e = parse_seccomp(r, l)) < 0 ||
                    (e = parse_idmaps(r, l)) < 0)
                        return e;
                parse_namespaces(r, l);
                if (strings(r, l, "maskedPaths", "linux", &cfg->masked_paths, &cfg->n_masked_paths) < 0 ||
                    strings(r, l, "readonlyPaths", "linux", &cfg->readonly_paths, &cfg->n_readonly_paths) < 0)
                        return -ENOMEM;
                const char *p = str_of(r, l, "rootfsPropagation", SIZE_MAX, "linux");
                if (p)
                        cfg->rootfs_propagation = p;
        }
        return 0;
}

static int parse_mounts(struct rd *r, const struct gj_node *root) {
        static const char *const f[] = { "destination", "source", "type", "options", NULL };
        struct oci_config *cfg = r->cfg;
        FOR_CAND(a, root, "mounts") {
                if (!typed(r, a, GJ_ARRAY, "", "mounts"))
                        continue;
                for (const struct gj_node *mo = a->child; mo; mo = mo->next) {
                        if (!typed(r, mo, GJ_OBJECT, "", "mounts[]"))
                                continue;
                        size_t variants = fields(r, mo, "mounts[]", f);
                        _cleanup_free_ const char **opts = NULL;
                        size_t n_opts = 0;
                        if (strings(r, mo, "options", "mounts[]", &opts, &n_opts) < 0)
                                return -ENOMEM;
                        for (size_t k = 0; k < variants; k++) {
                                struct oci_mount m = {};
                                m.destination = str_of(r, mo, "destination", k, "mounts[]");
                                m.source = str_of(r, mo, "source", k, "mounts[]");
                                m.type = str_of(r, mo, "type", k, "mounts[]");
                                if (!m.destination)
                                        m.destination = "";
                                m.bind = m.type && streq(m.type, "bind");
                                int e = oci_mount_options(&m, opts, n_opts);
                                if (oci_vec_push(&cfg->mounts, &cfg->n_mounts, sizeof m, &m) < 0 || e < 0)
                                        return -ENOMEM;
                        }
                }
        }
        return 0;
}

static int parse_hooks(struct rd *r, const struct gj_node *root) {
        static const char *const f[] = { "prestart", "createRuntime", "createContainer", NULL };
        static const char *const fh[] = { "path", "args", NULL };
        struct oci_config *cfg = r->cfg;
        FOR_CAND(hooks, root, "hooks") {
                if (!typed(r, hooks, GJ_OBJECT, "", "hooks"))
                        continue;
                fields(r, hooks, "hooks", f);
                for (const char *const *stage = f; *stage; stage++)
                        FOR_CAND(a, hooks, *stage) {
                                if (!typed(r, a, GJ_ARRAY, "hooks", *stage))
                                        continue;
                                for (const struct gj_node *h = a->child; h; h = h->next) {
                                        if (!typed(r, h, GJ_OBJECT, "hooks", *stage))
                                                continue;
                                        fields(r, h, "hooks[]", fh);
                                        struct oci_hook hk = { .path = str_of(r, h, "path", SIZE_MAX, "hooks[]") };
                                        if (!hk.path)
                                                hk.path = "";
                                        if (oci_vec_push(&cfg->hook_paths, &cfg->n_hook_paths, sizeof hk.path, &hk.path) < 0)
                                                return -ENOMEM;
                                        if (stage != f)
                                                continue;
                                        if (strings(r, h, "args", "hooks[]", &hk.args, &hk.n_args) < 0 ||
                                            oci_vec_push(&cfg->prestart, &cfg->n_prestart, sizeof hk, &hk) < 0) {
                                                free(hk.args);
                                                return -ENOMEM;
                                        }
                                }
                        }
        }
        return 0;
}

static int parse_doc(char *buf, size_t len, const char *what, struct gj_doc *doc) {
        char err[160];
        int r = gj_parse(buf, len, doc, err, sizeof err);
        if (r == -EBADMSG)
                return log_error_errno(r, "%s: %s", what, err);
        if (r < 0)
                return log_error_errno(r, "Out of memory");
        if (doc->nodes[0].type != GJ_OBJECT) {
                gj_doc_free(doc);
                return log_error_errno(-EBADMSG, "%s: the top level is not an object", what);
        }
        return 0;
}

int oci_state_parse(char *buf, size_t len, const char *what, struct oci_state *ret) {
        struct oci_state s = { .buf = buf };
        int r = parse_doc(buf, len, what, &s.doc);
        if (r < 0) {
                free(buf);
                return r;
        }
        struct rd rd = {};
        const struct gj_node *root = &s.doc.nodes[0];
        s.id = str_of(&rd, root, "id", SIZE_MAX, "");
        s.bundle = str_of(&rd, root, "bundle", SIZE_MAX, "");
        s.pid = int_of(&rd, root, "pid", SIZE_MAX, "", 0);
        if (!s.id || !*s.id)
                r = log_error_errno(-EBADMSG, "%s: id: missing: a hook must be given the container's state on stdin", what);
        else if (!s.bundle || s.bundle[0] != '/')
                r = log_error_errno(-EBADMSG, "%s: bundle: missing or not an absolute path", what);
        if (r < 0) {
                oci_state_free(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void oci_state_free(struct oci_state *s) {
        gj_doc_free(&s->doc);
        free(s->buf);
        *s = (struct oci_state) {};
}

int oci_config_parse(char *buf, size_t len, const char *what, struct oci_config *ret) {
        static const char *const f[] = { "process", "root", "mounts", "hooks", "linux", NULL };
        struct oci_config cfg = { .buf = buf };
        int r = parse_doc(buf, len, what, &cfg.doc);
        if (r < 0) {
                free(buf);
                return r;
        }
        struct rd rd = { &cfg };
        const struct gj_node *root = &cfg.doc.nodes[0];
        fields(&rd, root, "", f);
        if ((r = parse_process(&rd, root)) < 0 || (r = parse_root(&rd, root)) < 0 || (r = parse_linux(&rd, root)) < 0 ||
            (r = parse_mounts(&rd, root)) < 0 || (r = parse_hooks(&rd, root)) < 0) {
                oci_config_free(&cfg);
                return log_error_errno(r, "Out of memory");
        }
        *ret = cfg;
        return 0;
}

void oci_config_free(struct oci_config *c) {
        for (size_t i = 0; i < c->n_prestart; i++)
                free(c->prestart[i].args);
        for (size_t i = 0; i < c->n_mounts; i++) {
                for (size_t k = 0; k < c->mounts[i].n_bufs; k++)
                        free(c->mounts[i].bufs[k]);
                free(c->mounts[i].bufs);
                free(c->mounts[i].upperdirs);
                free(c->mounts[i].lowerdirs);
        }
        for (size_t i = 0; i < c->n_syscalls; i++)
                free(c->syscalls[i].names);
        for (size_t i = 0; i < c->n_ambiguous; i++)
                free(c->ambiguous[i]);
        for (size_t i = 0; i < c->n_malformed; i++)
                free(c->malformed[i]);
        free(c->syscalls);
        free(c->prestart);
        free(c->hook_paths);
        free(c->env);
        free(c->devices);
        free(c->idmaps);
        free(c->cgroup_rules);
        free(c->mounts);
        free(c->masked_paths);
        free(c->readonly_paths);
        gj_doc_free(&c->doc);
        free(c->buf);
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
        char *buf = NULL;
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
