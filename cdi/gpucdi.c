/* gpucdi: the command line. Each verb parses its options and calls the libraries. */
#include <getopt.h>
#include <sys/stat.h>

#include "config.h"
#include "driverfiles.h"
#include "generate.h"
#include "probe.h"
#include "render.h"
#include "spec.h"
#include "specdir.h"
#include "util.h"
#include "validate.h"
#if __has_include("hook.h")
#include "hook.h"
#define HAVE_HOOK 1
#endif

/* Exit codes, documented in gpucdi(1). */
enum {
        EXIT_PROBLEMS = 1,
        EXIT_USAGE = 2,
        EXIT_HOST_DATA = 3,
        EXIT_WRITE = 4,
        /* sysexits.h's EX_TEMPFAIL: specs written, but a GPU whose nodes are not there yet was left
         * out; the udev rule runs generate again when they appear. */
        EXIT_INCOMPLETE = 75,
};

#define MAX_DRIVER_ROOTS 16

/* Parsed options: the only global state. */
static struct {
        struct probe_roots roots;
        const char *driver_roots[MAX_DRIVER_ROOTS];
        bool json;
        const char *output_dir;
        const char *output;
        unsigned vendors;          /* bit per enum gpu_vendor and CDI_SPEC_RENDER; 0 = all */
        enum cdi_layout layout;
        const char *fhs_libdir;
        const char *hook_path;
        bool no_hook;
        const char *cdi_version;
        const char *state_dir;
        bool no_create_nodes;
        bool names_only;
        const char *spec_dirs[MAX_DRIVER_ROOTS + 1];
        size_t n_spec_dirs;
} arg = {
        .roots = { .sysfs = "/sys", .proc = "/proc", .dev = "/dev", .root = "/" },
        .output_dir = GPUCDI_CDI_DIR,
        .layout = CDI_LAYOUT_BOTH,
        .hook_path = GPUCDI_HOOK_PATH,
        .state_dir = GPUCDI_STATE_DIR,
};

enum {
        OPT_SYSFS_ROOT = 0x100,
        OPT_PROC_ROOT,
        OPT_DEV_ROOT,
        OPT_HOST_ROOT,
        OPT_DRIVER_ROOT,
        OPT_OUTPUT_DIR,
        OPT_VENDOR,
        OPT_LAYOUT,
        OPT_FHS_LIBDIR,
        OPT_HOOK_PATH,
        OPT_NO_HOOK,
        OPT_CDI_VERSION,
        OPT_SPEC_DIR,
        OPT_STATE_DIR,
        OPT_NO_CREATE_NODES,
        OPT_NAMES,
};

#define ROOT_OPTIONS \
        { "sysfs-root", required_argument, NULL, OPT_SYSFS_ROOT }, \
        { "proc-root", required_argument, NULL, OPT_PROC_ROOT }, \
        { "dev-root", required_argument, NULL, OPT_DEV_ROOT }, \
        { "host-root", required_argument, NULL, OPT_HOST_ROOT }, \
        { "driver-root", required_argument, NULL, OPT_DRIVER_ROOT }

static const char *const usage_text =
        "Usage: gpucdi [--help] [--version] VERB [OPTIONS]\n"
        "\n"
        "Make GPUs usable, and safely isolated, in podman containers (Nix-built and FHS images).\n"
        "\n"
        "Verbs:\n"
        "  probe [--json]              List the GPUs, their device nodes and driver\n"
        "  generate                    Write CDI specs for the GPUs (default into " GPUCDI_CDI_DIR ")\n"
        "  list [--json|--names]       List the CDI devices podman can use and their spec files\n"
        "  validate FILE...            Check CDI spec files as podman would\n"
        "  check CONFIG.json           Run the hook's isolation rules on an OCI config.json\n"
        "  hook                        OCI prestart hook (reads the container state on stdin)\n"
        "\n"
        "Host options (probe, generate):\n"
        "  --sysfs-root DIR   --proc-root DIR   --dev-root DIR   --host-root DIR\n"
        "  --driver-root DIR  (repeatable; e.g. /usr/local/nvidia, /run/opengl-driver)\n"
        "\n"
        "Generate options:\n"
        "  --output-dir DIR      directory for the specs (default " GPUCDI_CDI_DIR ")\n"
        "  --output FILE|-       write the one vendor's spec to FILE or stdout\n"
        "  --vendor LIST         nvidia,amd,intel,render (default: every vendor present)\n"
        "  --layout nix|fhs|both where driver files appear in containers (default both)\n"
        "  --fhs-libdir DIR      FHS library directory (default: this architecture's multiarch dir)\n"
        "  --hook-path PATH      the prestart hook to inject (default " GPUCDI_HOOK_PATH ")\n"
        "  --no-hook             inject no hook\n"
        "  --cdi-version V       force a cdiVersion (default: the lowest the content needs)\n"
        "  --state-dir DIR       where rewritten driver JSON files are kept (default " GPUCDI_STATE_DIR ")\n"
        "  --no-create-nodes     do not create missing NVIDIA device nodes (done as root by default)\n"
        "  --spec-dir DIR        where other tools' specs are looked for clashes (repeatable;\n"
        "                        default /etc/cdi, /var/run/cdi and the output directory)\n"
        "\n"
        "See gpucdi(1) for exit codes and examples.\n";

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...) {
        va_list ap;
        fputs("gpucdi: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'gpucdi --help'.\n", stderr);
        return EXIT_USAGE;
}

static int parse_vendors(const char *list) {
        _cleanup_free_ char *copy = strdup(list);
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        unsigned picked = 0;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                enum gpu_vendor v;
                if (streq(t, CDI_RENDER_NAME))
                        picked |= 1u << CDI_SPEC_RENDER;
                else if (streq(t, CDI_IMEX_NAME))
                        picked |= 1u << CDI_SPEC_IMEX;
                else if (gpu_vendor_from_name(t, &v) < 0)
                        return -EINVAL;
                else
                        picked |= 1u << v;
        }
        if (picked == 0) /* "" or ",": 0 would mean every vendor */
                return -EINVAL;
        arg.vendors |= picked;
        return 0;
}

/* Roots become absolute canonical paths: they end up in specs as hostPath, which must be absolute,
 * and a root that does not exist is a typo better reported now than as "no GPU". The strings live
 * until exit with the rest of the parsed options. */
static int absolute_path(const char *opt, const char *path, const char *hint, const char **ret) {
        char *p = realpath(path, NULL);
        if (!p) {
                fprintf(stderr, "gpucdi: --%s '%s': %s%s\n", opt, path, strerror(errno), hint);
                return -EINVAL;
        }
        *ret = p;
        return 1;
}

static int absolute_root(const char *opt, const char *path, const char **ret) {
        return absolute_path(opt, path, "", ret);
}

/* Options shared by probe and generate; returns 1 if handled, 0 if not ours, <0 on error. */
static int parse_root_option(int c, const char *optarg_) {
        switch (c) {
        case OPT_SYSFS_ROOT: return absolute_root("sysfs-root", optarg_, &arg.roots.sysfs);
        case OPT_PROC_ROOT: return absolute_root("proc-root", optarg_, &arg.roots.proc);
        case OPT_DEV_ROOT: return absolute_root("dev-root", optarg_, &arg.roots.dev);
        case OPT_HOST_ROOT: return absolute_root("host-root", optarg_, &arg.roots.root);
        case OPT_DRIVER_ROOT:
                if (arg.roots.n_driver_roots >= MAX_DRIVER_ROOTS)
                        return -E2BIG;
                arg.roots.driver_roots = arg.driver_roots;
                return absolute_root("driver-root", optarg_, &arg.driver_roots[arg.roots.n_driver_roots++]);
        }
        return 0;
}

static int parse_options(int argc, char *argv[], const struct option *opts, const char *verb) {
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                int r = parse_root_option(c, optarg);
                if (r == -E2BIG)
                        return usage_error("too many --driver-root options (at most 16)");
                if (r < 0)
                        return EXIT_USAGE;
                if (r > 0)
                        continue;
                switch (c) {
                case 'h':
                        fputs(usage_text, stdout);
                        exit(EXIT_SUCCESS);
                case 'j':
                        arg.json = true;
                        break;
                case 'o':
                        /* podman reads *.json and *.yaml; this writes JSON, and a JSON file named .yaml
                         * is one that podman and gpucdi list skip as invalid YAML. */
                        if (!streq(optarg, "-") && (strlen(optarg) < 6 || !streq(optarg + strlen(optarg) - 5, ".json")))
                                return usage_error("--output '%s': gpucdi writes JSON specs, and the file name must end "
                                                   "in .json (e.g. /etc/cdi/gpucdi-nvidia.json); remove a spec that "
                                                   "nvidia-ctk wrote (nvidia.yaml) rather than overwrite it", optarg);
                        arg.output = optarg;
                        break;
                case OPT_OUTPUT_DIR:
                        arg.output_dir = optarg;
                        break;
                case OPT_VENDOR:
                        if (parse_vendors(optarg) < 0)
                                return usage_error("--vendor '%s': expected a list of nvidia, amd, intel, render", optarg);
                        break;
                case OPT_LAYOUT:
                        if (cdi_layout_from_string(optarg, &arg.layout) < 0)
                                return usage_error("--layout '%s': expected nix, fhs or both", optarg);
                        break;
                case OPT_FHS_LIBDIR:
                        if (optarg[0] != '/')
                                return usage_error("--fhs-libdir '%s': must be an absolute path", optarg);
                        arg.fhs_libdir = optarg;
                        break;
                case OPT_HOOK_PATH:
                        /* The spec names it as an absolute host path. */
                        if (absolute_path("hook-path", optarg, "; install gpucdi's hook there, or pass --no-hook",
                                          &arg.hook_path) < 0)
                                return EXIT_USAGE;
                        break;
                case OPT_NO_HOOK:
                        arg.no_hook = true;
                        break;
                case OPT_CDI_VERSION:
                        if (!cdi_version_known(optarg))
                                return usage_error("--cdi-version '%s': not a CDI version (0.3.0 ... 1.1.0)", optarg);
                        arg.cdi_version = optarg;
                        break;
                case OPT_STATE_DIR:
                        if (optarg[0] != '/')
                                return usage_error("--state-dir '%s': must be an absolute path", optarg);
                        arg.state_dir = optarg;
                        break;
                case OPT_NAMES:
                        arg.names_only = true;
                        break;
                case OPT_NO_CREATE_NODES:
                        arg.no_create_nodes = true;
                        break;
                case OPT_SPEC_DIR:
                        if (arg.n_spec_dirs >= MAX_DRIVER_ROOTS)
                                return usage_error("too many --spec-dir options");
                        arg.spec_dirs[arg.n_spec_dirs++] = optarg;
                        break;
                default:
                        return usage_error("invalid option for '%s'", verb);
                }
        }
        return 0;
}

static int host_error_exit(int r) {
        return r == -ENOMEM ? EXIT_FAILURE : EXIT_HOST_DATA;
}

static int verb_probe(int argc, char *argv[]) {
        static const struct option opts[] = {
                ROOT_OPTIONS,
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int r = parse_options(argc, argv, opts, "probe");
        if (r)
                return r;
        if (optind < argc)
                return usage_error("probe takes no arguments ('%s')", argv[optind]);

        _cleanup_(host_freep) struct host *h = NULL;
        r = probe_host(&arg.roots, &h);
        if (r < 0)
                return host_error_exit(r);
        r = arg.json ? host_print_json(h, stdout) : host_print_table(h, stdout);
        if (r < 0 || fflush(stdout) != 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}

static bool vendor_selected(int v) {
        if (arg.vendors == 0 || (arg.vendors & (1u << v)))
                return true;
        /* IMEX channels come with the NVIDIA spec into a directory; --output takes them by name. */
        return v == CDI_SPEC_IMEX && !arg.output && (arg.vendors & (1u << GPU_VENDOR_NVIDIA));
}

static int write_error_exit(int r) {
        return r == -ENOMEM ? EXIT_FAILURE : EXIT_WRITE;
}

/* --output FILE|-: exactly one vendor's spec. */
static int emit_single(json_t *const specs[_CDI_SPEC_MAX], bool incomplete) {
        const json_t *only = NULL;
        size_t n = 0;
        for (int v = 0; v < _CDI_SPEC_MAX; v++)
                if (specs[v]) {
                        only = specs[v];
                        n++;
                }
        if (n == 0) {
                log_error("no usable GPU found for the selected vendors: nothing to write");
                return incomplete ? EXIT_INCOMPLETE : EXIT_HOST_DATA;
        }
        if (n > 1) {
                log_error("--output writes one spec, and this host has GPUs of %zu vendors: add --vendor NAME, "
                          "or use --output-dir", n);
                return EXIT_USAGE;
        }
        _cleanup_free_ char *text = NULL;
        if (cdi_spec_dump(only, &text) < 0)
                return EXIT_FAILURE;
        if (streq(arg.output, "-")) {
                if (fputs(text, stdout) < 0 || fflush(stdout) != 0)
                        return EXIT_FAILURE;
                return EXIT_SUCCESS;
        }
        _cleanup_free_ char *dir = strdup(arg.output);
        if (!dir)
                return EXIT_FAILURE;
        char *slash = strrchr(dir, '/');
        const char *name = arg.output;
        if (slash) {
                *slash = 0;
                name = slash + 1;
        }
        const char *d = slash ? (dir[0] ? dir : "/") : ".";
        /* The same lock as --output-dir: a concurrent run must not see our temp file as a leftover. */
        _cleanup_close_ int lock = -EBADF;
        int r = cdi_dir_lock(d, &lock);
        if (r < 0)
                return write_error_exit(r);
        bool changed;
        r = cdi_spec_write(d, name, text, &changed);
        return r < 0 ? write_error_exit(r) : EXIT_SUCCESS;
}

/* --output-dir: one file per vendor present; our own file of an absent vendor is removed. All specs
 * are built before the first write, so a failure leaves every existing spec as it was. */
static int emit_dir(json_t *const specs[_CDI_SPEC_MAX]) {
        _cleanup_close_ int lock = -EBADF;
        int r = cdi_dir_lock(arg.output_dir, &lock);
        if (r < 0)
                return write_error_exit(r);

        char *texts[_CDI_SPEC_MAX] = {};
        int ret = EXIT_SUCCESS;
        for (int v = 0; v < _CDI_SPEC_MAX; v++)
                if (specs[v] && cdi_spec_dump(specs[v], &texts[v]) < 0)
                        ret = EXIT_FAILURE;

        for (int v = 0; ret == EXIT_SUCCESS && v < _CDI_SPEC_MAX; v++) {
                if (!vendor_selected(v))
                        continue;
                _cleanup_free_ char *name = NULL;
                if (cdi_spec_slot_filename(v, &name) < 0) {
                        ret = EXIT_FAILURE;
                        break;
                }
                bool changed = false;
                if (texts[v]) {
                        r = cdi_spec_write(arg.output_dir, name, texts[v], &changed);
                        if (r >= 0)
                                printf("%s/%s: %s\n", arg.output_dir, name, changed ? "written" : "unchanged");
                } else {
                        r = cdi_spec_remove(arg.output_dir, name, &changed);
                        if (r >= 0 && changed)
                                printf("%s/%s: removed (no %s GPU)\n", arg.output_dir, name, cdi_spec_slot_name(v));
                }
                if (r < 0)
                        ret = write_error_exit(r);
        }
        bool any = false;
        for (int v = 0; v < _CDI_SPEC_MAX; v++) {
                any |= texts[v] != NULL;
                free(texts[v]);
        }
        /* Not an error (a host may lose its GPU), but never silence: say why nothing was written. */
        if (ret == EXIT_SUCCESS && !any)
                printf("no usable NVIDIA, AMD or Intel GPU found%s: no spec written (see gpucdi probe)\n",
                       arg.vendors ? " for the selected vendors" : "");
        if (fflush(stdout) != 0 && ret == EXIT_SUCCESS)
                ret = EXIT_FAILURE;
        return ret;
}

/* Other tools' specs (nvidia-ctk's nvidia.yaml, AMD's amd.json) defining our devices: podman then
 * refuses or shadows ours. Warn with the file and the fix; writing goes on. */
static void warn_clashes(json_t *const specs[_CDI_SPEC_MAX]) {
        const char *dirs[MAX_DRIVER_ROOTS + 4];
        size_t n = 0;
        const char *out_dir = arg.output_dir;
        _cleanup_free_ char *copy = NULL;
        if (arg.output && !streq(arg.output, "-")) {
                copy = strdup(arg.output);
                char *slash = copy ? strrchr(copy, '/') : NULL;
                if (slash)
                        *slash = 0;
                out_dir = !copy ? NULL : !slash ? "." : copy[0] ? copy : "/";
        } else if (arg.output)
                out_dir = NULL;
        if (arg.n_spec_dirs > 0)
                for (size_t i = 0; i < arg.n_spec_dirs; i++)
                        dirs[n++] = arg.spec_dirs[i];
        else {
                for (size_t i = 0; cdi_default_spec_dirs[i]; i++)
                        dirs[n++] = cdi_default_spec_dirs[i];
                if (out_dir)
                        dirs[n++] = out_dir;
        }
        dirs[n] = NULL;
        for (int v = 0; v < _CDI_SPEC_MAX; v++) {
                if (!specs[v])
                        continue;
                _cleanup_free_ char *name = NULL;
                const char *own_name = NULL;
                if (arg.output && !streq(arg.output, "-")) {
                        const char *slash = strrchr(arg.output, '/');
                        own_name = slash ? slash + 1 : arg.output;
                } else if (!arg.output && cdi_spec_slot_filename(v, &name) >= 0)
                        own_name = name;
                (void) cdi_warn_clashes(dirs, out_dir ? out_dir : "/nonexistent", own_name ? own_name : "-", specs[v]);
        }
}

/* Rewritten loader files into the state dir, under its lock (released before the spec dir's is
 * taken: they may be one directory), which also clears temp files a killed run left there. */
static int write_aux(const struct aux_files *aux) {
        if (aux->n_files == 0)
                return EXIT_SUCCESS;
        _cleanup_close_ int lock = -EBADF;
        int r = cdi_dir_lock(arg.state_dir, &lock);
        for (size_t i = 0; r >= 0 && i < aux->n_files; i++) {
                bool changed;
                r = cdi_spec_write(arg.state_dir, aux->files[i].name, aux->files[i].content, &changed);
        }
        return r < 0 ? write_error_exit(r) : EXIT_SUCCESS;
}

static int verb_generate(int argc, char *argv[]) {
        static const struct option opts[] = {
                ROOT_OPTIONS,
                { "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
                { "output", required_argument, NULL, 'o' },
                { "vendor", required_argument, NULL, OPT_VENDOR },
                { "layout", required_argument, NULL, OPT_LAYOUT },
                { "fhs-libdir", required_argument, NULL, OPT_FHS_LIBDIR },
                { "hook-path", required_argument, NULL, OPT_HOOK_PATH },
                { "no-hook", no_argument, NULL, OPT_NO_HOOK },
                { "cdi-version", required_argument, NULL, OPT_CDI_VERSION },
                { "state-dir", required_argument, NULL, OPT_STATE_DIR },
                { "no-create-nodes", no_argument, NULL, OPT_NO_CREATE_NODES },
                { "spec-dir", required_argument, NULL, OPT_SPEC_DIR },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int r = parse_options(argc, argv, opts, "generate");
        if (r)
                return r;
        if (optind < argc)
                return usage_error("generate takes no arguments ('%s')", argv[optind]);

        /* A hook path that does not exist would make every GPU container fail to start. */
        if (!arg.no_hook && access(arg.hook_path, X_OK) < 0) {
                log_error_errno(errno, "the hook %s is not executable (%m): install gpucdi's hook there, "
                                "point --hook-path at it, or pass --no-hook", arg.hook_path);
                return EXIT_USAGE;
        }

        _cleanup_(host_freep) struct host *h = NULL;
        r = probe_host(&arg.roots, &h);
        if (r < 0)
                return host_error_exit(r);

        _cleanup_(driver_files_freep) struct driver_files *nvfiles = NULL;
        /* Only GPUs on the nvidia driver need its user space: one passed through to VMs (vfio-pci)
         * while the module is not loaded must not stop the other vendors' specs. */
        bool want_nvidia = false;
        for (size_t i = 0; i < h->n_gpus; i++)
                if (h->gpus[i].vendor == GPU_VENDOR_NVIDIA && gpu_driver_usable(&h->gpus[i]))
                        want_nvidia = vendor_selected(GPU_VENDOR_NVIDIA);
        if (want_nvidia) {
                if (!h->nv_driver_version[0]) {
                        _cleanup_free_ char *p = NULL;
                        path_join(arg.roots.proc, "driver/nvidia/version", &p);
                        log_error("this host has an NVIDIA GPU but %s is missing: load the nvidia kernel module "
                                  "(modprobe nvidia) and run gpucdi generate again", p ? p : "/proc/driver/nvidia/version");
                        return EXIT_HOST_DATA;
                }
                r = nvidia_driver_files(&arg.roots, h->nv_driver_version, &nvfiles);
                if (r < 0)
                        return host_error_exit(r);
                /* The module registers the majors, nobody may have made the nodes: do what
                 * nvidia-modprobe does, before the spec that names them is written. */
                if (!arg.no_create_nodes && geteuid() == 0) {
                        size_t created;
                        r = nvidia_create_nodes(&arg.roots, h, &created);
                        if (r < 0)
                                return host_error_exit(r);
                }
        }

        struct generate_options gopts = {
                .roots = &arg.roots,
                .layout = arg.layout,
                .fhs_libdir = arg.fhs_libdir,
                .hook_path = arg.no_hook ? NULL : arg.hook_path,
                .cdi_version = arg.cdi_version,
                .state_dir = arg.state_dir,
        };
        json_t *specs[_CDI_SPEC_MAX] = {};
        _cleanup_(aux_files_clear) struct aux_files aux = {};
        int ret = EXIT_SUCCESS;
        bool incomplete = false;
        for (int v = 0; v < _GPU_VENDOR_MAX && ret == EXIT_SUCCESS; v++) {
                if (!vendor_selected(v))
                        continue;
                bool inc = false;
                r = cdi_generate_spec(h, v, v == GPU_VENDOR_NVIDIA ? nvfiles : NULL, &gopts, &specs[v], &aux, &inc);
                incomplete |= inc;
                if (r == -ENODEV)
                        continue;
                if (r < 0)
                        ret = r == -EINVAL ? EXIT_USAGE : r == -EBADMSG || r == -ENXIO ? EXIT_HOST_DATA : EXIT_FAILURE;
        }
        if (ret == EXIT_SUCCESS && vendor_selected(CDI_SPEC_RENDER)) {
                r = cdi_generate_render_spec(h, &gopts, &specs[CDI_SPEC_RENDER]);
                if (r < 0 && r != -ENODEV)
                        ret = r == -EINVAL ? EXIT_USAGE : EXIT_FAILURE;
        }
        /* With --output and no --vendor, the IMEX spec would be a second one: only by name there. */
        if (ret == EXIT_SUCCESS && vendor_selected(CDI_SPEC_IMEX) && !(arg.output && arg.vendors == 0)) {
                r = cdi_generate_imex_spec(h, &gopts, &specs[CDI_SPEC_IMEX]);
                if (r < 0 && r != -ENODEV)
                        ret = r == -EINVAL ? EXIT_USAGE : EXIT_FAILURE;
        }
        if (ret == EXIT_SUCCESS)
                warn_clashes(specs);
        /* Files a spec mounts exist before the spec that names them. */
        if (ret == EXIT_SUCCESS)
                ret = write_aux(&aux);
        if (ret == EXIT_SUCCESS)
                ret = arg.output ? emit_single(specs, incomplete) : emit_dir(specs);
        for (int v = 0; v < _CDI_SPEC_MAX; v++)
                json_decref(specs[v]);
        if (ret == EXIT_SUCCESS && incomplete) {
                log_msg("notice", "the specs are incomplete (see the warnings above); exit status %d", EXIT_INCOMPLETE);
                return EXIT_INCOMPLETE;
        }
        return ret;
}

static int verb_list(int argc, char *argv[]) {
        static const struct option opts[] = {
                { "spec-dir", required_argument, NULL, OPT_SPEC_DIR },
                { "json", no_argument, NULL, 'j' },
                { "names", no_argument, NULL, OPT_NAMES },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int r = parse_options(argc, argv, opts, "list");
        if (r)
                return r;
        if (optind < argc)
                return usage_error("list takes no arguments ('%s'); use --spec-dir DIR", argv[optind]);
        if (arg.json && arg.names_only)
                return usage_error("list: --json and --names exclude each other");
        const char *const *dirs = arg.n_spec_dirs > 0 ? arg.spec_dirs : cdi_default_spec_dirs;
        r = cdi_list_full(dirs, arg.json ? CDI_LIST_JSON : arg.names_only ? 0 : CDI_LIST_SOURCES, stdout);
        if (r < 0 || fflush(stdout) != 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}

static int verb_validate(int argc, char *argv[]) {
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int r = parse_options(argc, argv, opts, "validate");
        if (r)
                return r;
        if (optind >= argc)
                return usage_error("validate needs at least one FILE");
        int problems = 0;
        bool unreadable = false;
        for (int i = optind; i < argc; i++) {
                r = cdi_validate_file(argv[i], stdout);
                if (r < 0)
                        unreadable = true;
                else
                        problems += r;
        }
        if (fflush(stdout) != 0)
                return EXIT_FAILURE;
        return problems > 0 || unreadable ? EXIT_PROBLEMS : EXIT_SUCCESS;
}

#ifdef HAVE_HOOK
static int verb_hook(int argc, char *argv[]) {
        return hook_main(argc, argv);
}

static int verb_check(int argc, char *argv[]) {
        return check_main(argc, argv);
}
#endif

static const struct {
        const char *name;
        int (*run)(int argc, char *argv[]);
} verbs[] = {
        { "probe", verb_probe },
        { "generate", verb_generate },
        { "list", verb_list },
        { "validate", verb_validate },
#ifdef HAVE_HOOK
        { "check", verb_check },
        { "hook", verb_hook },
#endif
};

int main(int argc, char *argv[]) {
        if (argc < 2)
                return usage_error("missing verb");
        const char *verb = argv[1];
        if (streq(verb, "--help") || streq(verb, "-h") || streq(verb, "help")) {
                fputs(usage_text, stdout);
                return EXIT_SUCCESS;
        }
        if (streq(verb, "--version") || streq(verb, "version")) {
                puts("gpucdi " GPUCDI_VERSION);
                return EXIT_SUCCESS;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verb, verbs[i].name))
                        return verbs[i].run(argc - 1, argv + 1);
        return usage_error("unknown verb '%s'", verb);
}
