/* The order of work of the hook and of gpucdi check: read the state and config.json, find the
 * GPU devices, load the policy, run the rules, report. Option parsing and exit codes are the
 * commands' (hook/hook-command.c, cdi/verb-check.c). */
#include "hook.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "cdispec.h"
#include "host.h"
#include "oci.h"
#include "policy.h"
#include "report.h"
#include "classify.h"
#include "rules.h"
#include "util.h"

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

/* Where a gpucdi hook entry's own arguments start (after "gpucdi-hook" or "gpucdi hook"), or -1. */
static int gpucdi_entry_offset(const struct oci_hook *h) {
        if (h->n_args >= 2 &&
            (streq(base_name(h->args[0]), GPUCDI_HOOK_ARG0) || streq(base_name(h->path), GPUCDI_HOOK_ARG0)))
                return 1;
        if (h->n_args >= 3 && streq(base_name(h->args[0]), "gpucdi") && streq(h->args[1], "hook"))
                return 2;
        return -1;
}

/* Whether the entry runs this very program: any other program (a decoy named gpucdi-hook) does
 * no checks, so it can never be the one deferred to. */
static bool entry_is_this_binary(const struct oci_hook *h) {
        struct stat self, st;
        return h->path && stat("/proc/self/exe", &self) == 0 && stat(h->path, &st) == 0 &&
               st.st_dev == self.st_dev && st.st_ino == self.st_ino;
}

static bool is_entry_mark(const char *a) {
        return streq(a, GPUCDI_HOOK_DEVICE_OPT) || startswith(a, GPUCDI_HOOK_DEVICE_OPT "=") ||
               streq(a, GPUCDI_HOOK_HOOKS_D_OPT);
}

/* Whether two argument lists are the same but for their --cdi-device options (whose devices the
 * entry doing the work collects from every entry) and the --hooks-d mark. */
static bool same_but_devices(const char *const *a, size_t na, const char *const *b, size_t nb) {
        size_t i = 0, j = 0;
        for (;;) {
                while (i < na && is_entry_mark(a[i]))
                        i += streq(a[i], GPUCDI_HOOK_DEVICE_OPT) ? 2 : 1;
                while (j < nb && is_entry_mark(b[j]))
                        j += streq(b[j], GPUCDI_HOOK_DEVICE_OPT) ? 2 : 1;
                if (i >= na || j >= nb)
                        return i >= na && j >= nb;
                if (!streq(a[i++], b[j++]))
                        return false;
        }
}

/* CDI hook entries of every requested device sit side by side in hooks.prestart. An earlier entry
 * that runs this very program with the same options (devices aside) does the work for all of
 * them; an invocation that is a later one stops at once. Any other earlier entry is no reason to
 * skip the checks. */
static bool deferred_to_first_entry(const struct oci_config *cfg, const char *const *mine, size_t n_mine) {
        size_t me = cfg->n_prestart;
        for (size_t i = 0; i < cfg->n_prestart && me == cfg->n_prestart; i++) {
                const struct oci_hook *h = &cfg->prestart[i];
                int k = gpucdi_entry_offset(h);
                bool same = k >= 0 && h->n_args - (size_t) k == n_mine;
                for (size_t a = 0; a < n_mine && same; a++)
                        same = streq(h->args[(size_t) k + a], mine[a]);
                if (same)
                        me = i;
        }
        if (me == cfg->n_prestart)
                return false;  /* no entry is ours: we do the work */
        for (size_t i = 0; i < me; i++) {
                const struct oci_hook *h = &cfg->prestart[i];
                int k = gpucdi_entry_offset(h);
                if (k >= 0 && same_but_devices(h->args + k, h->n_args - (size_t) k, mine, n_mine) &&
                    entry_is_this_binary(h))
                        return true;
        }
        return false;
}

struct requested {
        char **v;
        size_t n;
};

static void requested_done(struct requested *r) {
        hook_strv_free(r->v, r->n);
}

static void found_freep(char ***p) {
        rules_found_free(*p);
}

/* The CDI devices of our own options and of every gpucdi entry in the config. */
static int collect_requested(const struct hook_params *o, const struct oci_config *cfg, struct requested *ret) {
        char **v = NULL;
        size_t n = 0;
        int r = 0;
        for (size_t i = 0; i < o->n_cdi_devices && r >= 0; i++)
                r = hook_strv_push(&v, &n, o->cdi_devices[i]);
        for (size_t i = 0; i < cfg->n_prestart && r >= 0; i++) {
                const struct oci_hook *h = &cfg->prestart[i];
                int k = gpucdi_entry_offset(h);
                for (size_t a = k < 0 ? h->n_args : (size_t) k; a < h->n_args && r >= 0; a++) {
                        const char *arg = h->args[a];
                        if (streq(arg, GPUCDI_HOOK_DEVICE_OPT) && a + 1 < h->n_args)
                                r = hook_strv_push(&v, &n, h->args[++a]);
                        else if (startswith(arg, GPUCDI_HOOK_DEVICE_OPT "="))
                                r = hook_strv_push(&v, &n, arg + strlen(GPUCDI_HOOK_DEVICE_OPT "="));
                }
        }
        if (r < 0) {
                hook_strv_free(v, n);
                return r;
        }
        *ret = (struct requested) { .v = v, .n = n };
        return 0;
}

static struct rules_input make_input(const struct hook_params *o, const struct oci_config *cfg, struct hook_host *host,
                                     char **requested, size_t n_requested, const char *bundle) {
        return (struct rules_input) {
                .cfg = cfg,
                .host = host,
                .requested = (const char *const *) requested,
                .n_requested = n_requested,
                .spec_dirs = o->n_spec_dirs ? (const char *const *) o->spec_dirs : cdi_default_spec_dirs,
                .bundle = bundle,
        };
}

/* A GPU container is judged only from a config that runc and crun read alike and that runc can
 * apply: keys that fold to one field, or values of the wrong type, refuse it. Returns how many
 * problems were printed. */
static size_t report_unfit(FILE *f, const char *label, const char *path, const struct oci_config *cfg) {
        for (size_t i = 0; i < cfg->n_ambiguous; i++)
                fprintf(f, "gpucdi: refused %s: %s: %s (Go's encoding/json, which runc uses, matches keys "
                        "case-insensitively: the runtimes would read different values); fix: write each key once, "
                        "spelled as in the OCI runtime spec\n", label, path, cfg->ambiguous[i]);
        for (size_t i = 0; i < cfg->n_malformed; i++)
                fprintf(f, "gpucdi: refused %s: %s: %s; fix: write the value as the OCI runtime spec defines it\n",
                        label, path, cfg->malformed[i]);
        return cfg->n_ambiguous + cfg->n_malformed;
}

/* Enabled rules that fired. */
static size_t count_fired(char **found, const struct policy *p) {
        size_t n = 0;
        for (size_t i = 0; i < rules_count; i++)
                if (found[i] && p->enabled[i])
                        n++;
        return n;
}

static int load_policy(const struct hook_params *o, uid_t trusted_uid, struct policy *p) {
        int r = policy_init(p);
        if (r < 0)
                return log_error_errno(r, "Out of memory");
        bool found;
        return policy_load(p, o->policy ? o->policy : GPUCDI_POLICY_FILE, trusted_uid, &found);
}

/* The bundle could not be read (a user namespace the hook is not in, a config.json beyond the size
 * limit). A container that requested a GPU through our CDI entries is refused; one from hooks.d is
 * judged by its mount table: rootless and user-namespaced runtimes bind device nodes, and the
 * mounts are made before prestart hooks run. Returns whether it is refused. */
static bool judge_unreadable(const struct hook_params *o, const struct oci_state *state, struct hook_host *host,
                            const char *label, struct slog *log) {
        if (o->n_cdi_devices > 0) {
                fprintf(stderr, "gpucdi: refused %s: its config.json cannot be checked (see above)\n", label);
                slog_send(log, LOG_ERR, "refused container %s: config.json in %s unreadable or malformed", state->id,
                          state->bundle);
                return true;
        }
        const char *reason = NULL;
        int r = state->pid > 0 ? host_gpu_in_mountinfo(host, state->pid, &reason) : -ENOENT;
        if (r < 0 && gpu_drivers_loaded(host))
                reason = "its mount table cannot be read either, and this host has GPUs";
        if (!reason)
                return false;
        fprintf(stderr, "gpucdi: refused %s: its config.json cannot be read, and %s\n", label, reason);
        slog_send(log, LOG_ERR, "refused container %s: config.json in %s unreadable and %s", state->id, state->bundle,
                  reason);
        return true;
}

bool hook_cdi_device_name_valid(const char *name) {
        return strchr(name, '=') && strchr(name, '/');
}

int hook_params_add_device(struct hook_params *p, const char *name) {
        return hook_strv_push(&p->cdi_devices, &p->n_cdi_devices, name);
}

int hook_params_add_spec_dir(struct hook_params *p, const char *dir) {
        return hook_strv_push(&p->spec_dirs, &p->n_spec_dirs, dir);
}

void hook_params_done(struct hook_params *p) {
        hook_strv_free(p->cdi_devices, p->n_cdi_devices);
        hook_strv_free(p->spec_dirs, p->n_spec_dirs);
        p->cdi_devices = p->spec_dirs = NULL;
        p->n_cdi_devices = p->n_spec_dirs = 0;
}

int hook_print_rules(FILE *f) {
        for (size_t i = 0; i < rules_count; i++)
                if (fprintf(f, "%s\t%s\t%s\n", rules_table[i].id, rules_table[i].default_on ? "on" : "off",
                            rules_table[i].why) < 0)
                        return -EIO;
        return 0;
}

int hook_run(const struct hook_params *o, int state_fd, const char *const *args, size_t n_args, bool *ret_refused) {
        _cleanup_(slog_close) struct slog log = {};
        _cleanup_(host_done) struct hook_host host;
        _cleanup_(oci_state_free) struct oci_state state = {};
        _cleanup_(oci_config_free) struct oci_config cfg = {};
        _cleanup_(policy_done) struct policy policy = {};
        _cleanup_(requested_done) struct requested req = {};
        _cleanup_(found_freep) char **found = NULL;
        char *buf = NULL;
        size_t len;
        char label[64] = "container (unknown id)";
        int r;

        /* Connected on the first message: a container without a GPU sends none. */
        slog_open(&log, "gpucdi-hook");
        host_init(&host, o->proc_root, o->dev_root);

        r = read_fd(state_fd, OCI_STATE_MAX, &buf, &len);
        if (r == -EFBIG) {
                log_error("refused: the container state on stdin is larger than %u bytes", OCI_STATE_MAX);
                slog_send(&log, LOG_ERR, "refused a container: state on stdin larger than %u bytes", OCI_STATE_MAX);
                return r;
        }
        if (r < 0) {
                log_error_errno(r, "refused: cannot read the container state on stdin: %m");
                slog_send(&log, LOG_ERR, "refused a container: cannot read the state on stdin: %s", strerror(-r));
                return r;
        }
        /* The state takes buf, also on failure. */
        if (oci_state_parse(buf, len, "container state on stdin", &state) < 0) {
                fprintf(stderr, "gpucdi: refused %s: its state on stdin cannot be checked (see above)\n", label);
                slog_send(&log, LOG_ERR, "refused a container: malformed state on stdin");
                return -EBADMSG;
        }
        snprintf(label, sizeof label, "container %.12s", state.id);

        r = oci_config_load_bundle(state.bundle, &cfg);
        if (r == -EACCES || r == -EPERM || r == -ENOENT || r == -EFBIG) {
                if (judge_unreadable(o, &state, &host, label, &log))
                        return r;
                *ret_refused = false;
                return 0;
        }
        if (r < 0) {
                fprintf(stderr, "gpucdi: refused %s: its config.json cannot be checked (see above)\n", label);
                slog_send(&log, LOG_ERR, "refused container %s: config.json in %s unreadable or malformed", state.id,
                          state.bundle);
                return r;
        }
        if (deferred_to_first_entry(&cfg, args, n_args)) {
                *ret_refused = false;
                return 0;
        }
        if (collect_requested(o, &cfg, &req) < 0)
                return log_error_errno(-ENOMEM, "Out of memory");
        struct rules_input in = make_input(o, &cfg, &host, req.v, req.n, state.bundle);
        const char *reason;
        if (!rules_gpu_container(&in, &reason)) {
                *ret_refused = false;
                return 0;
        }
        if (report_unfit(stderr, label, "config.json", &cfg) > 0) {
                slog_send(&log, LOG_ERR, "refused container %s: config.json has ambiguous or malformed fields (%s)",
                          state.id, cfg.n_ambiguous ? cfg.ambiguous[0] : cfg.malformed[0]);
                return -EBADMSG;
        }
        /* Only GPU containers pay for reading the policy. */
        r = load_policy(o, (uid_t) -1, &policy);
        if (r < 0) {
                fprintf(stderr, "gpucdi: refused %s: the policy file cannot be used (see above)\n", label);
                slog_send(&log, LOG_ERR, "refused container %s: untrusted or malformed policy file", state.id);
                return r;
        }
        r = rules_evaluate(&in, &found);
        if (r < 0)
                return log_error_errno(r, "refused: failed to evaluate the rules: %m");
        size_t fired = count_fired(found, &policy);
        report_lines(stderr, label, found, &policy);
        for (size_t i = 0; i < rules_count; i++)
                if (found[i] && policy.enabled[i])
                        slog_send(&log, LOG_WARNING, "%s container %s: [%s] %s",
                                  policy.audit ? "audit mode, would refuse" : "refused", state.id,
                                  rules_table[i].id, found[i]);
        if (fired == 0)
                slog_send(&log, LOG_INFO, "allowed GPU container %s (%s)", state.id, reason);
        *ret_refused = fired > 0 && !policy.audit;
        return 0;
}

int hook_check_config(const struct hook_params *o, const char *path, bool json, FILE *out, bool *ret_refused) {
        _cleanup_(host_done) struct hook_host host;
        _cleanup_free_ char *bundle = NULL;
        _cleanup_(oci_config_free) struct oci_config cfg = {};
        _cleanup_(policy_done) struct policy policy = {};
        _cleanup_(requested_done) struct requested req = {};
        _cleanup_(found_freep) char **found = NULL;
        int r;

        host_init(&host, o->proc_root, o->dev_root);
        r = oci_config_load_file(path, &cfg);
        if (r < 0)
                return r;
        /* Relative paths in the config are below its directory, the bundle. */
        bundle = realpath(path, NULL);
        if (bundle && strrchr(bundle, '/'))
                *(strrchr(bundle, '/') == bundle ? bundle + 1 : strrchr(bundle, '/')) = 0;
        if (collect_requested(o, &cfg, &req) < 0)
                return log_error_errno(-ENOMEM, "Out of memory");
        struct rules_input in = make_input(o, &cfg, &host, req.v, req.n, bundle);
        const char *reason;
        if (!rules_gpu_container(&in, &reason)) {
                if (json)
                        fprintf(out, "[]\n");
                else
                        fprintf(out, "%s: no GPU device: the gpucdi hook lets it start without checks\n", path);
                *ret_refused = false;
                return 0;
        }
        if (report_unfit(out, path, path, &cfg) > 0)
                return -EBADMSG;
        /* The caller's own policy file is as good as root's for an offline check. */
        r = load_policy(o, geteuid(), &policy);
        if (r < 0)
                return r;
        r = rules_evaluate(&in, &found);
        if (r < 0)
                return log_error_errno(r, "Failed to evaluate the rules: %m");
        if (json) {
                if (report_json(out, found, &policy) < 0)
                        return log_error_errno(-EIO, "Failed to write the JSON output");
        } else if (report_lines(out, path, found, &policy) == 0)
                fprintf(out, "%s: GPU container (%s) passes every rule\n", path, reason);
        *ret_refused = count_fired(found, &policy) > 0 && !policy.audit;
        return 0;
}
