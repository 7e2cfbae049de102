/* gpucdi-hook and gpucdi check: option parsing and the order of work. The hook trusts nothing it
 * inherits: environment, working directory and umask are reset before anything else. */
#include "hook.h"

#include <errno.h>
#include <getopt.h>
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

enum {
        EXIT_ALLOWED = 0,
        EXIT_REFUSED = 1,
        EXIT_USAGE = 2,
        EXIT_INPUT = 3,
};

struct options {
        char **cdi_devices;
        size_t n_cdi_devices;
        char **spec_dirs;
        size_t n_spec_dirs;
        const char *proc_root;
        const char *dev_root;
        const char *policy;
        bool json;
};

static void options_done(struct options *o) {
        hook_strv_free(o->cdi_devices, o->n_cdi_devices);
        hook_strv_free(o->spec_dirs, o->n_spec_dirs);
}

enum {
        ARG_CDI_DEVICE = 0x100,
        ARG_SPEC_DIR,
        ARG_PROC_ROOT,
        ARG_DEV_ROOT,
        ARG_POLICY,
        ARG_HOOKS_D,
        ARG_JSON,
        ARG_VERSION,
        ARG_LIST_RULES,
};

static const struct option hook_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        { "cdi-device", required_argument, NULL, ARG_CDI_DEVICE },
        { "spec-dir", required_argument, NULL, ARG_SPEC_DIR },
        { "proc-root", required_argument, NULL, ARG_PROC_ROOT },
        { "dev-root", required_argument, NULL, ARG_DEV_ROOT },
        { "policy", required_argument, NULL, ARG_POLICY },
        { "hooks-d", no_argument, NULL, ARG_HOOKS_D },
        { "json", no_argument, NULL, ARG_JSON },
        { "list-rules", no_argument, NULL, ARG_LIST_RULES },
        {}
};

static void hook_help(void) {
        printf("Usage: gpucdi-hook prestart [OPTIONS]   (OCI container state on stdin)\n"
               "\n"
               "OCI prestart hook that refuses to start a GPU container whose isolation from the host is\n"
               "broken (privileged, dangerous capabilities, host devices, namespaces or mounts, stale CDI\n"
               "spec). Containers without a GPU are let through at once. Installed as a podman hooks.d\n"
               "file and referenced by the CDI specs that gpucdi generate writes.\n"
               "\n"
               "  --cdi-device NAME   a CDI device the container requested (nvidia.com/gpu=0)\n"
               "  --hooks-d           marks the invocation from the hooks.d file\n"
               "  --policy FILE       host policy (default %s)\n"
               "  --spec-dir DIR      CDI spec directory (repeatable; default /etc/cdi /var/run/cdi)\n"
               "  --proc-root DIR     where /proc is read from (default /proc)\n"
               "  --dev-root DIR      where host device nodes are checked (default /dev)\n"
               "  --list-rules        print the rules: id, on/off by default, why\n"
               "  --version           print the version\n"
               "\n"
               "Exit status: 0 started, 1 refused, 2 usage error, 3 unreadable or malformed input.\n",
               GPUCDI_POLICY_FILE);
}

static void check_help(void) {
        printf("Usage: gpucdi check CONFIG.json [--json] [--policy FILE] [--cdi-device NAME]...\n"
               "                    [--spec-dir DIR]... [--proc-root DIR] [--dev-root DIR]\n"
               "\n"
               "Run the gpucdi hook's rules on an OCI config.json (e.g. from a container's bundle) and\n"
               "print what the hook would refuse, one line per rule, or a JSON array with --json.\n"
               "CDI devices are taken from the config's gpucdi hook entries and from --cdi-device.\n"
               "\n"
               "  --json              print [{\"rule\", \"found\", \"why\", \"fix\"}, ...]\n"
               "  --policy FILE       host policy (default %s)\n"
               "  --cdi-device NAME   a CDI device the container requested (repeatable)\n"
               "  --spec-dir DIR      CDI spec directory (repeatable; default /etc/cdi /var/run/cdi)\n"
               "  --proc-root DIR     where /proc is read from (default /proc)\n"
               "  --dev-root DIR      where host device nodes are checked (default /dev)\n"
               "  --list-rules        print the rules: id, on/off by default, why\n"
               "\n"
               "Exit status: 0 would start, 1 would be refused, 2 usage error, 3 unreadable input.\n",
               GPUCDI_POLICY_FILE);
}

/* Parse options common to both commands; positional arguments are left at argv[optind..]. */
static int parse_options(int argc, char *argv[], bool check, struct options *o, bool *ret_exit) {
        *ret_exit = false;
        optind = 0;  /* full re-initialisation: the caller may have used getopt already */
        int c, r;
        while ((c = getopt_long(argc, argv, "h", hook_options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        check ? check_help() : hook_help();
                        *ret_exit = true;
                        return 0;
                case ARG_VERSION:
                        printf("gpucdi %s\n", GPUCDI_VERSION);
                        *ret_exit = true;
                        return 0;
                case ARG_LIST_RULES:
                        for (size_t i = 0; i < rules_count; i++)
                                printf("%s\t%s\t%s\n", rules_table[i].id, rules_table[i].default_on ? "on" : "off",
                                       rules_table[i].why);
                        *ret_exit = true;
                        return 0;
                case ARG_CDI_DEVICE:
                        if (!strchr(optarg, '=') || !strchr(optarg, '/')) {
                                log_error("--cdi-device %s: expected a fully-qualified name like nvidia.com/gpu=0", optarg);
                                return -EINVAL;
                        }
                        if ((r = hook_strv_push(&o->cdi_devices, &o->n_cdi_devices, optarg)) < 0)
                                return r;
                        break;
                case ARG_SPEC_DIR:
                        if ((r = hook_strv_push(&o->spec_dirs, &o->n_spec_dirs, optarg)) < 0)
                                return r;
                        break;
                case ARG_PROC_ROOT:
                        o->proc_root = optarg;
                        break;
                case ARG_DEV_ROOT:
                        o->dev_root = optarg;
                        break;
                case ARG_POLICY:
                        o->policy = optarg;
                        break;
                case ARG_HOOKS_D:
                        if (check)
                                goto unknown;
                        break;
                case ARG_JSON:
                        if (!check)
                                goto unknown;
                        o->json = true;
                        break;
                default:
                unknown:
                        log_error("Unknown option; see %s --help", check ? "gpucdi check" : "gpucdi-hook");
                        return -EINVAL;
                }
        }
        return 0;
}

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
static bool deferred_to_first_entry(const struct oci_config *cfg, int argc, char *argv[]) {
        const char *const *mine = (const char *const *) argv + 1;
        size_t n_mine = (size_t) (argc - 1), me = cfg->n_prestart;
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

/* The CDI devices of our own options and of every gpucdi entry in the config. */
static int collect_requested(const struct options *o, const struct oci_config *cfg, char ***ret, size_t *ret_n) {
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
        *ret = v;
        *ret_n = n;
        return 0;
}

static struct rules_input make_input(const struct options *o, const struct oci_config *cfg, struct hook_host *host,
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

static int load_policy(const struct options *o, uid_t trusted_uid, struct policy *p) {
        int r = policy_init(p);
        if (r < 0)
                return log_error_errno(r, "Out of memory");
        bool found;
        return policy_load(p, o->policy ? o->policy : GPUCDI_POLICY_FILE, trusted_uid, &found);
}

/* The bundle could not be read (a user namespace the hook is not in, a config.json beyond the size
 * limit). A container that requested a GPU through our CDI entries is refused; one from hooks.d is
 * judged by its mount table: rootless and user-namespaced runtimes bind device nodes, and the
 * mounts are made before prestart hooks run. Returns the exit status. */
static int judge_unreadable(const struct options *o, const struct oci_state *state, struct hook_host *host,
                            const char *label, struct slog *log) {
        if (o->n_cdi_devices > 0) {
                fprintf(stderr, "gpucdi: refused %s: its config.json cannot be checked (see above)\n", label);
                slog_send(log, LOG_ERR, "refused container %s: config.json in %s unreadable or malformed", state->id,
                          state->bundle);
                return EXIT_INPUT;
        }
        const char *reason = NULL;
        int r = state->pid > 0 ? host_gpu_in_mountinfo(host, state->pid, &reason) : -ENOENT;
        if (r < 0 && gpu_drivers_loaded(host))
                reason = "its mount table cannot be read either, and this host has GPUs";
        if (!reason)
                return EXIT_ALLOWED;
        fprintf(stderr, "gpucdi: refused %s: its config.json cannot be read, and %s\n", label, reason);
        slog_send(log, LOG_ERR, "refused container %s: config.json in %s unreadable and %s", state->id, state->bundle,
                  reason);
        return EXIT_INPUT;
}

int hook_main(int argc, char *argv[]) {
        /* Nothing of the caller's environment is read; the runtime sets the bundle as cwd. */
        clearenv();
        if (chdir("/") < 0)
                return EXIT_INPUT;
        umask(077);

        struct options o = {};
        struct oci_state state = {};
        struct oci_config cfg = {};
        struct policy policy = {};
        struct hook_host host;
        char **found = NULL;
        char **requested = NULL;
        size_t n_requested = 0;
        char *buf = NULL;
        size_t len;
        char label[64] = "container (unknown id)";
        struct slog log;
        int ret = EXIT_INPUT, r;
        bool done;

        /* Connected on the first message: a container without a GPU sends none. */
        slog_open(&log, "gpucdi-hook");
        host_init(&host, NULL, NULL);

        /* getopt permutes argv; the entry this invocation came from is matched on the original. */
        _cleanup_free_ char **orig = calloc((size_t) argc + 1, sizeof *orig);
        if (!orig) {
                log_error("Out of memory");
                goto out;
        }
        memcpy(orig, argv, (size_t) argc * sizeof *orig);

        if (parse_options(argc, argv, false, &o, &done) < 0) {
                ret = EXIT_USAGE;
                goto out;
        }
        if (done) {
                ret = EXIT_ALLOWED;
                goto out;
        }
        if (optind != argc - 1 || !(streq(argv[optind], "prestart") || streq(argv[optind], "createRuntime"))) {
                log_error("Expected the hook stage 'prestart' (or 'createRuntime') as the only argument; see gpucdi-hook --help");
                ret = EXIT_USAGE;
                goto out;
        }
        host_init(&host, o.proc_root, o.dev_root);

        if (isatty(STDIN_FILENO)) {
                log_error("gpucdi-hook is run by the container runtime with the container state on stdin; "
                          "use 'gpucdi check CONFIG.json' to check a container by hand");
                ret = EXIT_USAGE;
                goto out;
        }
        r = read_fd(STDIN_FILENO, OCI_STATE_MAX, &buf, &len);
        if (r == -EFBIG) {
                log_error("refused: the container state on stdin is larger than %u bytes", OCI_STATE_MAX);
                slog_send(&log, LOG_ERR, "refused a container: state on stdin larger than %u bytes", OCI_STATE_MAX);
                goto out;
        }
        if (r < 0) {
                log_error_errno(r, "refused: cannot read the container state on stdin: %m");
                slog_send(&log, LOG_ERR, "refused a container: cannot read the state on stdin: %s", strerror(-r));
                goto out;
        }
        if (oci_state_parse(buf, len, "container state on stdin", &state) < 0) {
                fprintf(stderr, "gpucdi: refused %s: its state on stdin cannot be checked (see above)\n", label);
                slog_send(&log, LOG_ERR, "refused a container: malformed state on stdin");
                goto out;
        }
        snprintf(label, sizeof label, "container %.12s", state.id);

        r = oci_config_load_bundle(state.bundle, &cfg);
        if (r == -EACCES || r == -EPERM || r == -ENOENT || r == -EFBIG) {
                ret = judge_unreadable(&o, &state, &host, label, &log);
                goto out;
        }
        if (r < 0) {
                fprintf(stderr, "gpucdi: refused %s: its config.json cannot be checked (see above)\n", label);
                slog_send(&log, LOG_ERR, "refused container %s: config.json in %s unreadable or malformed", state.id,
                          state.bundle);
                goto out;
        }
        if (deferred_to_first_entry(&cfg, argc, orig)) {
                ret = EXIT_ALLOWED;
                goto out;
        }
        if (collect_requested(&o, &cfg, &requested, &n_requested) < 0) {
                log_error("Out of memory");
                goto out;
        }
        struct rules_input in = make_input(&o, &cfg, &host, requested, n_requested, state.bundle);
        const char *reason;
        if (!rules_gpu_container(&in, &reason)) {
                ret = EXIT_ALLOWED;
                goto out;
        }
        if (report_unfit(stderr, label, "config.json", &cfg) > 0) {
                slog_send(&log, LOG_ERR, "refused container %s: config.json has ambiguous or malformed fields (%s)",
                          state.id, cfg.n_ambiguous ? cfg.ambiguous[0] : cfg.malformed[0]);
                goto out;
        }
        /* Only GPU containers pay for reading the policy. */
        if (load_policy(&o, (uid_t) -1, &policy) < 0) {
                fprintf(stderr, "gpucdi: refused %s: the policy file cannot be used (see above)\n", label);
                slog_send(&log, LOG_ERR, "refused container %s: untrusted or malformed policy file", state.id);
                goto out;
        }
        r = rules_evaluate(&in, &found);
        if (r < 0) {
                log_error_errno(r, "refused: failed to evaluate the rules: %m");
                goto out;
        }
        size_t fired = count_fired(found, &policy);
        report_lines(stderr, label, found, &policy);
        for (size_t i = 0; i < rules_count; i++)
                if (found[i] && policy.enabled[i])
                        slog_send(&log, LOG_WARNING, "%s container %s: [%s] %s",
                                  policy.audit ? "audit mode, would refuse" : "refused", state.id,
                                  rules_table[i].id, found[i]);
        if (fired == 0)
                slog_send(&log, LOG_INFO, "allowed GPU container %s (%s)", state.id, reason);
        ret = fired > 0 && !policy.audit ? EXIT_REFUSED : EXIT_ALLOWED;
out:
        rules_found_free(found);
        hook_strv_free(requested, n_requested);
        policy_done(&policy);
        oci_config_free(&cfg);
        oci_state_free(&state);
        host_done(&host);
        options_done(&o);
        slog_close(&log);
        return ret;
}

int check_main(int argc, char *argv[]) {
        _cleanup_free_ char *bundle = NULL;
        struct options o = {};
        struct oci_config cfg = {};
        struct policy policy = {};
        struct hook_host host;
        char **found = NULL;
        char **requested = NULL;
        size_t n_requested = 0;
        int ret = EXIT_INPUT;
        bool done;

        host_init(&host, NULL, NULL);
        if (parse_options(argc, argv, true, &o, &done) < 0) {
                ret = EXIT_USAGE;
                goto out;
        }
        if (done) {
                ret = EXIT_ALLOWED;
                goto out;
        }
        if (optind != argc - 1) {
                log_error("Expected one CONFIG.json argument; see gpucdi check --help");
                ret = EXIT_USAGE;
                goto out;
        }
        const char *path = argv[optind];
        host_init(&host, o.proc_root, o.dev_root);
        if (oci_config_load_file(path, &cfg) < 0)
                goto out;
        /* Relative paths in the config are below its directory, the bundle. */
        bundle = realpath(path, NULL);
        if (bundle && strrchr(bundle, '/'))
                *(strrchr(bundle, '/') == bundle ? bundle + 1 : strrchr(bundle, '/')) = 0;
        if (collect_requested(&o, &cfg, &requested, &n_requested) < 0) {
                log_error("Out of memory");
                goto out;
        }
        struct rules_input in = make_input(&o, &cfg, &host, requested, n_requested, bundle);
        const char *reason;
        if (!rules_gpu_container(&in, &reason)) {
                if (o.json)
                        printf("[]\n");
                else
                        printf("%s: no GPU device: the gpucdi hook lets it start without checks\n", path);
                ret = EXIT_ALLOWED;
                goto out;
        }
        if (report_unfit(stdout, path, path, &cfg) > 0)
                goto out;
        /* The caller's own policy file is as good as root's for an offline check. */
        if (load_policy(&o, geteuid(), &policy) < 0)
                goto out;
        int r = rules_evaluate(&in, &found);
        if (r < 0) {
                log_error_errno(r, "Failed to evaluate the rules: %m");
                goto out;
        }
        if (o.json) {
                if (report_json(stdout, found, &policy) < 0) {
                        log_error("Failed to write the JSON output");
                        goto out;
                }
        } else if (report_lines(stdout, path, found, &policy) == 0)
                printf("%s: GPU container (%s) passes every rule\n", path, reason);
        ret = count_fired(found, &policy) > 0 && !policy.audit ? EXIT_REFUSED : EXIT_ALLOWED;
out:
        rules_found_free(found);
        hook_strv_free(requested, n_requested);
        policy_done(&policy);
        oci_config_free(&cfg);
        host_done(&host);
        options_done(&o);
        return ret;
}
