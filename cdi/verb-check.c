/* gpucdi check CONFIG.json: the hook's rules on an OCI config.json, offline. */
#include "config.h"
#include "hook.h"
#include "verb.h"

static void help(void) {
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
               "  -h, --help          print this help\n"
               "  --version           print the version\n",
               GPUCDI_POLICY_FILE);
        exit_status_print(stdout, exit_status_check);
}

/* --proc-root and --dev-root are the root options' (verb.h), here not made absolute. */
enum {
        OPT_JSON = OPT_FIRST_OWN,
        OPT_POLICY,
        OPT_CDI_DEVICE,
        OPT_SPEC_DIR,
        OPT_LIST_RULES,
};

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char *argv[], struct hook_params *p, bool *json) {
        static const struct option opts[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "policy", required_argument, NULL, OPT_POLICY },
                { "cdi-device", required_argument, NULL, OPT_CDI_DEVICE },
                { "spec-dir", required_argument, NULL, OPT_SPEC_DIR },
                { "proc-root", required_argument, NULL, OPT_PROC_ROOT },
                { "dev-root", required_argument, NULL, OPT_DEV_ROOT },
                { "list-rules", no_argument, NULL, OPT_LIST_RULES },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        int c, ret = -1;
        while ((c = verb_getopt(argc, argv, "check", opts, help, &ret)) >= 0)
                switch (c) {
                case OPT_JSON:
                        *json = true;
                        break;
                case OPT_POLICY:
                        /* The default policy may be absent (built-in defaults); one named by hand is a typo. */
                        if (!path_exists("check", "--policy", optarg))
                                return EXIT_USAGE;
                        p->policy = optarg;
                        break;
                case OPT_CDI_DEVICE:
                        if (!hook_cdi_device_name_valid(optarg))
                                return usage_error("check", "--cdi-device %s: expected a fully-qualified name like "
                                                   "nvidia.com/gpu=0", optarg);
                        if (hook_params_add_device(p, optarg) < 0)
                                return EXIT_FAILURE;
                        break;
                case OPT_SPEC_DIR:
                        if (!path_exists("check", "--spec-dir", optarg))
                                return EXIT_USAGE;
                        if (hook_params_add_spec_dir(p, optarg) < 0)
                                return EXIT_FAILURE;
                        break;
                case OPT_PROC_ROOT:
                        if (!path_exists("check", "--proc-root", optarg))
                                return EXIT_USAGE;
                        p->proc_root = optarg;
                        break;
                case OPT_DEV_ROOT:
                        if (!path_exists("check", "--dev-root", optarg))
                                return EXIT_USAGE;
                        p->dev_root = optarg;
                        break;
                case OPT_LIST_RULES:
                        return hook_print_rules(stdout) < 0 || fflush(stdout) != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
                }
        return ret;
}

int verb_check(int argc, char *argv[]) {
        _cleanup_(hook_params_done) struct hook_params p = {};
        bool json = false;
        int r = parse_options(argc, argv, &p, &json);
        if (r >= 0)
                return r;
        if (optind != argc - 1)
                return usage_error("check", "expected one CONFIG.json argument");
        bool refused = true;
        r = hook_check_config(&p, argv[optind], json, stdout, &refused);
        if (fflush(stdout) != 0)
                return EXIT_FAILURE;
        return r < 0 ? EXIT_INPUT : refused ? EXIT_REFUSED : EXIT_ALLOWED;
}
