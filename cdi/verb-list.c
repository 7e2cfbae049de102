/* gpucdi list: the CDI devices podman can use and the spec file of each. */
#include "specdir.h"
#include "verb.h"

#define MAX_SPEC_DIRS 16

static void help(void) {
        fputs("Usage: gpucdi list [--spec-dir DIR]... [--json | --names]\n"
              "\n"
              "List the CDI devices podman can use, from the specs of every tool in /etc/cdi and\n"
              "/var/run/cdi (later directories override earlier ones, as podman does), each with the\n"
              "spec file podman takes it from.\n"
              "\n"
              "  --spec-dir DIR        read this directory instead of the defaults (repeatable)\n"
              "  --json                print a JSON array of {\"name\", \"file\", \"status\"}\n"
              "  --names               print the device names only, one per line\n"
              "  -h, --help            print this help\n"
              "  --version             print the version\n", stdout);
        exit_status_print(stdout, exit_status_list);
}

int verb_list(int argc, char *argv[]) {
        enum { OPT_SPEC_DIR = OPT_FIRST_OWN, OPT_JSON, OPT_NAMES };
        static const struct option opts[] = {
                { "spec-dir", required_argument, NULL, OPT_SPEC_DIR },
                { "json", no_argument, NULL, OPT_JSON },
                { "names", no_argument, NULL, OPT_NAMES },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        const char *dirs[MAX_SPEC_DIRS + 1] = {};
        size_t n_dirs = 0;
        bool json = false, names = false;
        int c, ret = -1;
        while ((c = verb_getopt(argc, argv, "list", opts, help, &ret)) >= 0)
                switch (c) {
                case OPT_SPEC_DIR:
                        if (n_dirs >= MAX_SPEC_DIRS)
                                return usage_error("list", "too many --spec-dir options (at most %d)", MAX_SPEC_DIRS);
                        /* The default directories may be missing; one named by hand is a typo. */
                        if (!path_exists("list", "--spec-dir", optarg))
                                return EXIT_USAGE;
                        dirs[n_dirs++] = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_NAMES:
                        names = true;
                        break;
                }
        if (ret >= 0)
                return ret;
        if (optind < argc)
                return usage_error("list", "takes no arguments ('%s'); use --spec-dir DIR", argv[optind]);
        if (json && names)
                return usage_error("list", "--json and --names exclude each other");
        int r = cdi_list_full(n_dirs > 0 ? dirs : cdi_default_spec_dirs,
                              json ? CDI_LIST_JSON : names ? 0 : CDI_LIST_SOURCES, stdout);
        if (r < 0 || fflush(stdout) != 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}
