/* gpucdi generate: CDI specs for the host's GPUs, into a directory or one file. */
#include <unistd.h>

#include "config.h"
#include "output.h"
#include "spec.h"
#include "verb.h"

#define MAX_SPEC_DIRS 16

static void help(void) {
        fputs("Usage: gpucdi generate [OPTIONS] [HOST OPTIONS]\n"
              "\n"
              "Write CDI specs for the GPUs of this host, one file per vendor, so that podman can give\n"
              "them to containers by name (nvidia.com/gpu=0). Every spec is built before the first is\n"
              "written; our own spec of a vendor the host no longer has is removed.\n"
              "\n"
              "  --output-dir DIR      directory for the specs (default " GPUCDI_CDI_DIR ")\n"
              "  --output FILE|-       write the one vendor's spec to FILE (*.json) or stdout\n"
              "  --vendor LIST         nvidia,amd,intel,render,nvidia-imex (default: every vendor present)\n"
              "  --layout nix|fhs|both where driver files appear in containers (default both)\n"
              "  --fhs-libdir DIR      FHS library directory (default: this architecture's multiarch dir)\n"
              "  --hook-path PATH      the prestart hook to inject (default " GPUCDI_HOOK_PATH ")\n"
              "  --no-hook             inject no hook\n"
              "  --cdi-version V       force a cdiVersion (default: the lowest the content needs)\n"
              "  --state-dir DIR       where rewritten driver JSON files are kept\n"
              "                        (default " GPUCDI_STATE_DIR ")\n"
              "  --no-create-nodes     do not create missing NVIDIA device nodes (done as root by default)\n"
              "  --spec-dir DIR        where other tools' specs are looked for clashes (repeatable;\n"
              "                        default /etc/cdi, /var/run/cdi and the output directory)\n"
              "  -h, --help            print this help\n"
              "  --version             print the version\n"
              "\n"
              ROOT_OPTIONS_HELP, stdout);
        exit_status_print(stdout, exit_status_generate);
}

/* Parsed options. */
struct options {
        struct root_options root;
        const char *output_dir;
        bool output_dir_given;
        const char *output;
        unsigned slots;
        enum cdi_layout layout;
        const char *fhs_libdir;
        const char *hook_path;
        const char *hook_path_given;
        bool no_hook;
        const char *cdi_version;
        const char *state_dir;
        bool no_create_nodes;
        const char *spec_dirs[MAX_SPEC_DIRS + 1];
        size_t n_spec_dirs;
};

static int parse_slots(const char *list, unsigned *slots) {
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
        *slots |= picked;
        return 0;
}

enum {
        OPT_OUTPUT_DIR = OPT_FIRST_OWN,
        OPT_OUTPUT,
        OPT_VENDOR,
        OPT_LAYOUT,
        OPT_FHS_LIBDIR,
        OPT_HOOK_PATH,
        OPT_NO_HOOK,
        OPT_CDI_VERSION,
        OPT_STATE_DIR,
        OPT_NO_CREATE_NODES,
        OPT_SPEC_DIR,
};

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char *argv[], struct options *o) {
        static const struct option opts[] = {
                ROOT_OPTIONS,
                { "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
                { "output", required_argument, NULL, OPT_OUTPUT },
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
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        int c, ret = -1;
        while ((c = verb_getopt(argc, argv, "generate", opts, help, &ret)) >= 0) {
                int r = parse_root_option("generate", c, optarg, &o->root);
                if (r < 0)
                        return EXIT_USAGE;
                if (r > 0)
                        continue;
                switch (c) {
                case OPT_OUTPUT:
                        /* podman reads *.json and *.yaml; this writes JSON, and a JSON file named .yaml
                         * is one that podman and gpucdi list skip as invalid YAML. */
                        if (!streq(optarg, "-") && (strlen(optarg) < 6 || !streq(optarg + strlen(optarg) - 5, ".json")))
                                return usage_error("generate", "--output '%s': gpucdi writes JSON specs, and the file "
                                                   "name must end in .json (e.g. /etc/cdi/gpucdi-nvidia.json); remove "
                                                   "a spec that nvidia-ctk wrote (nvidia.yaml) rather than overwrite it",
                                                   optarg);
                        o->output = optarg;
                        break;
                case OPT_OUTPUT_DIR:
                        o->output_dir = optarg;
                        o->output_dir_given = true;
                        break;
                case OPT_VENDOR:
                        if (parse_slots(optarg, &o->slots) < 0)
                                return usage_error("generate", "--vendor '%s': expected a list of nvidia, amd, intel, "
                                                   "render, nvidia-imex", optarg);
                        break;
                case OPT_LAYOUT:
                        if (cdi_layout_from_string(optarg, &o->layout) < 0)
                                return usage_error("generate", "--layout '%s': expected nix, fhs or both", optarg);
                        break;
                case OPT_FHS_LIBDIR:
                        if (optarg[0] != '/')
                                return usage_error("generate", "--fhs-libdir '%s': must be an absolute path", optarg);
                        o->fhs_libdir = optarg;
                        break;
                case OPT_HOOK_PATH:
                        /* The spec names it as an absolute host path. */
                        o->hook_path_given = optarg;
                        o->hook_path = absolute_path("generate", "--hook-path", optarg,
                                                     "; install gpucdi's hook there, or pass --no-hook");
                        if (!o->hook_path)
                                return EXIT_USAGE;
                        break;
                case OPT_NO_HOOK:
                        o->no_hook = true;
                        break;
                case OPT_CDI_VERSION:
                        if (!cdi_version_known(optarg))
                                return usage_error("generate", "--cdi-version '%s': not a CDI version (0.3.0 ... 1.1.0)",
                                                   optarg);
                        o->cdi_version = optarg;
                        break;
                case OPT_STATE_DIR:
                        if (optarg[0] != '/')
                                return usage_error("generate", "--state-dir '%s': must be an absolute path", optarg);
                        o->state_dir = optarg;
                        break;
                case OPT_NO_CREATE_NODES:
                        o->no_create_nodes = true;
                        break;
                case OPT_SPEC_DIR:
                        if (o->n_spec_dirs >= MAX_SPEC_DIRS)
                                return usage_error("generate", "too many --spec-dir options (at most %d)", MAX_SPEC_DIRS);
                        o->spec_dirs[o->n_spec_dirs++] = optarg;
                        break;
                }
        }
        if (ret >= 0)
                return ret;
        if (optind < argc)
                return usage_error("generate", "takes no arguments ('%s')", argv[optind]);
        if (o->no_hook && o->hook_path_given)
                return usage_error("generate", "--hook-path '%s' and --no-hook exclude each other", o->hook_path_given);
        if (o->output && o->output_dir_given)
                return usage_error("generate", "--output '%s' and --output-dir '%s' exclude each other: --output "
                                   "writes one spec to a file or stdout, --output-dir one per vendor", o->output,
                                   o->output_dir);
        if (o->fhs_libdir && o->layout == CDI_LAYOUT_NIX)
                return usage_error("generate", "--fhs-libdir '%s' with --layout nix: that layout has no FHS library "
                                   "directory (use --layout fhs or both)", o->fhs_libdir);
        /* A hook path that does not exist would make every GPU container fail to start. */
        if (!o->no_hook && access(o->hook_path, X_OK) < 0) {
                log_error_errno(-errno, "the hook %s is not executable (%m): install gpucdi's hook there, "
                                "point --hook-path at it, or pass --no-hook", o->hook_path);
                return EXIT_USAGE;
        }
        return -1;
}

static int generate_exit(int r) {
        return r == -EINVAL ? EXIT_USAGE : r == -EBADMSG || r == -ENXIO ? EXIT_HOST_DATA : EXIT_FAILURE;
}

static int write_exit(int r) {
        return r == -ENOMEM ? EXIT_FAILURE : EXIT_WRITE;
}

/* --output FILE|-: exactly one vendor's spec. */
static int emit_single(const struct options *o, const struct cdi_generated *g, const struct cdi_request *req,
                       const struct cdi_output *out) {
        const json_t *only;
        size_t n;
        int r = cdi_generated_single(g, &only, &n);
        if (r == -ENODEV) {
                log_error("no usable GPU found for the selected vendors: nothing to write");
                return g->incomplete ? EXIT_INCOMPLETE : EXIT_HOST_DATA;
        }
        if (r < 0) {
                log_error("--output writes one spec, and this host has GPUs of %zu vendors: add --vendor NAME, "
                          "or use --output-dir", n);
                return EXIT_USAGE;
        }
        if (!streq(o->output, "-")) {
                r = cdi_generated_write(g, req, out, NULL);
                return r < 0 ? write_exit(r) : EXIT_SUCCESS;
        }
        r = cdi_generated_write_aux(g, out->state_dir);
        if (r < 0)
                return write_exit(r);
        _cleanup_free_ char *text = NULL;
        if (cdi_spec_dump(only, &text) < 0 || fputs(text, stdout) < 0 || fflush(stdout) != 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}

/* --output-dir: one file per vendor present. */
static int emit_dir(const struct options *o, const struct cdi_generated *g, const struct cdi_request *req,
                    const struct cdi_output *out) {
        enum cdi_write_outcome outcome[_CDI_SPEC_MAX];
        int r = cdi_generated_write(g, req, out, outcome);
        bool any = false;
        for (int v = 0; v < _CDI_SPEC_MAX; v++) {
                any |= g->specs[v] != NULL;
                if (outcome[v] == CDI_OUTCOME_NONE)
                        continue;
                _cleanup_free_ char *name = NULL;
                if (cdi_spec_slot_filename(v, &name) < 0)
                        return EXIT_FAILURE;
                if (outcome[v] == CDI_OUTCOME_REMOVED)
                        printf("%s/%s: removed (no %s GPU)\n", o->output_dir, name, cdi_spec_slot_name(v));
                else
                        printf("%s/%s: %s\n", o->output_dir, name,
                               outcome[v] == CDI_OUTCOME_WRITTEN ? "written" : "unchanged");
        }
        int ret = r < 0 ? write_exit(r) : EXIT_SUCCESS;
        /* Not an error (a host may lose its GPU), but never silence: say why nothing was written. */
        if (ret == EXIT_SUCCESS && !any)
                printf("no usable NVIDIA, AMD or Intel GPU found%s: no spec written (see gpucdi probe)\n",
                       o->slots ? " for the selected vendors" : "");
        if (fflush(stdout) != 0 && ret == EXIT_SUCCESS)
                ret = EXIT_FAILURE;
        return ret;
}

int verb_generate(int argc, char *argv[]) {
        /* Parsed options live until exit (the roots and hook path are allocated). */
        static struct options o = {
                .root = ROOT_OPTIONS_INIT,
                .output_dir = GPUCDI_CDI_DIR,
                .layout = CDI_LAYOUT_BOTH,
                .hook_path = GPUCDI_HOOK_PATH,
                .state_dir = GPUCDI_STATE_DIR,
        };
        int r = parse_options(argc, argv, &o);
        if (r >= 0)
                return r;

        _cleanup_(host_freep) struct host *h = NULL;
        r = probe_host(&o.root.roots, &h);
        if (r < 0)
                return r == -ENOMEM ? EXIT_FAILURE : EXIT_HOST_DATA;

        const struct cdi_request req = {
                .opts = {
                        .roots = &o.root.roots,
                        .layout = o.layout,
                        .fhs_libdir = o.fhs_libdir,
                        .hook_path = o.no_hook ? NULL : o.hook_path,
                        .cdi_version = o.cdi_version,
                        .state_dir = o.state_dir,
                },
                .slots = o.slots,
                .single = o.output != NULL,
                .create_nodes = !o.no_create_nodes,
        };
        const struct cdi_output out = {
                .dir = o.output ? NULL : o.output_dir,
                .file = o.output && !streq(o.output, "-") ? o.output : NULL,
                .state_dir = o.state_dir,
                .spec_dirs = o.n_spec_dirs > 0 ? o.spec_dirs : NULL,
        };

        _cleanup_(driver_files_freep) struct driver_files *nvfiles = NULL;
        r = cdi_request_nvidia_files(&req, h, &nvfiles);
        if (r < 0)
                return r == -ENOMEM ? EXIT_FAILURE : EXIT_HOST_DATA;

        _cleanup_(cdi_generated_clear) struct cdi_generated g = {};
        r = cdi_generate_all(&req, h, nvfiles, &g);
        if (r == -ERANGE) {
                log_error("drop --cdi-version, or give one the content can carry");
                return EXIT_USAGE;
        }
        if (r < 0)
                return generate_exit(r);
        cdi_generated_warn_clashes(&g, &out);
        int ret = o.output ? emit_single(&o, &g, &req, &out) : emit_dir(&o, &g, &req, &out);
        if (ret == EXIT_SUCCESS && g.incomplete) {
                log_msg("notice", "the specs are incomplete (see the warnings above); exit status %d", EXIT_INCOMPLETE);
                return EXIT_INCOMPLETE;
        }
        return ret;
}
