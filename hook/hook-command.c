/* The hook command: `gpucdi-hook prestart [OPTIONS]` and `gpucdi hook prestart [OPTIONS]`. Parses
 * the options, resets what the hook inherits, runs hook_run() and picks the exit status. */
#include "hook-command.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "exit-status.h"
#include "hook.h"
#include "util.h"

enum {
        ARG_CDI_DEVICE = 0x100,
        ARG_SPEC_DIR,
        ARG_PROC_ROOT,
        ARG_DEV_ROOT,
        ARG_POLICY,
        ARG_HOOKS_D,
        ARG_VERSION,
        ARG_LIST_RULES,
};

static void help(void) {
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
               "  -h, --help          print this help\n"
               "  --version           print the version\n"
               "\n"
               "To check a container by hand, use gpucdi check CONFIG.json. See gpucdi-hook(8).\n",
               GPUCDI_POLICY_FILE);
        exit_status_print(stdout, exit_status_hook);
}

/* Options are parsed into p; 1 when the command is done (--help, --version, --list-rules). */
static int parse_options(int argc, char *argv[], struct hook_params *p) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "cdi-device", required_argument, NULL, ARG_CDI_DEVICE },
                { "spec-dir", required_argument, NULL, ARG_SPEC_DIR },
                { "proc-root", required_argument, NULL, ARG_PROC_ROOT },
                { "dev-root", required_argument, NULL, ARG_DEV_ROOT },
                { "policy", required_argument, NULL, ARG_POLICY },
                { "hooks-d", no_argument, NULL, ARG_HOOKS_D },
                { "list-rules", no_argument, NULL, ARG_LIST_RULES },
                {}
        };
        int c;
        optind = 0;  /* full re-initialisation: the caller may have used getopt already */
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        printf("gpucdi %s\n", GPUCDI_VERSION);
                        return 1;
                case ARG_LIST_RULES:
                        return hook_print_rules(stdout) < 0 ? -EIO : 1;
                case ARG_CDI_DEVICE:
                        if (!hook_cdi_device_name_valid(optarg)) {
                                log_error("--cdi-device %s: expected a fully-qualified name like nvidia.com/gpu=0", optarg);
                                return -EINVAL;
                        }
                        if (hook_params_add_device(p, optarg) < 0)
                                return -ENOMEM;
                        break;
                case ARG_SPEC_DIR:
                        if (hook_params_add_spec_dir(p, optarg) < 0)
                                return -ENOMEM;
                        break;
                case ARG_PROC_ROOT:
                        p->proc_root = optarg;
                        break;
                case ARG_DEV_ROOT:
                        p->dev_root = optarg;
                        break;
                case ARG_POLICY:
                        p->policy = optarg;
                        break;
                case ARG_HOOKS_D:
                        break;
                default:
                        log_error("Unknown option; see gpucdi-hook --help");
                        return -EINVAL;
                }
        return 0;
}

int hook_command(int argc, char *argv[]) {
        /* The hook trusts nothing it inherits: nothing of the caller's environment is read, the
         * runtime sets the bundle as cwd. */
        clearenv();
        if (chdir("/") < 0)
                return EXIT_INPUT;
        umask(077);

        /* getopt permutes argv; the entry this invocation came from is matched on the original. */
        _cleanup_free_ char **orig = calloc((size_t) argc + 1, sizeof *orig);
        if (!orig) {
                log_error("Out of memory");
                return EXIT_INPUT;
        }
        memcpy(orig, argv, (size_t) argc * sizeof *orig);

        _cleanup_(hook_params_done) struct hook_params p = {};
        int r = parse_options(argc, argv, &p);
        if (r != 0)
                return r == -EIO ? EXIT_FAILURE : r < 0 ? EXIT_USAGE : EXIT_ALLOWED;
        if (optind != argc - 1 || !(streq(argv[optind], "prestart") || streq(argv[optind], "createRuntime"))) {
                log_error("Expected the hook stage 'prestart' (or 'createRuntime') as the only argument; see gpucdi-hook --help");
                return EXIT_USAGE;
        }
        if (isatty(STDIN_FILENO)) {
                log_error("gpucdi-hook is run by the container runtime with the container state on stdin; "
                          "use 'gpucdi check CONFIG.json' to check a container by hand");
                return EXIT_USAGE;
        }
        bool refused = true;
        r = hook_run(&p, STDIN_FILENO, (const char *const *) orig + 1, (size_t) argc - 1, &refused);
        return r < 0 ? EXIT_INPUT : refused ? EXIT_REFUSED : EXIT_ALLOWED;
}
