/* gpucdi validate FILE...: CDI spec files checked as podman would. */
#include "validate.h"
#include "verb.h"

static void help(void) {
        fputs("Usage: gpucdi validate FILE...\n"
              "\n"
              "Check CDI spec files (JSON or YAML) as podman's CDI library would: the schema, names,\n"
              "paths, unique device names and the cdiVersion the content needs. Every problem is printed\n"
              "as FILE: FIELD: PROBLEM.\n"
              "\n"
              "  -h, --help            print this help\n"
              "  --version             print the version\n", stdout);
        exit_status_print(stdout, exit_status_validate);
}

int verb_validate(int argc, char *argv[]) {
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        int c, ret = -1;
        while ((c = verb_getopt(argc, argv, "validate", opts, help, &ret)) >= 0)
                ;
        if (ret >= 0)
                return ret;
        if (optind >= argc)
                return usage_error("validate", "needs at least one FILE");
        int problems = 0;
        bool unreadable = false;
        for (int i = optind; i < argc; i++) {
                int r = cdi_validate_file(argv[i], stdout);
                if (r < 0)
                        unreadable = true;
                else
                        problems += r;
        }
        if (fflush(stdout) != 0)
                return EXIT_FAILURE;
        return problems > 0 || unreadable ? EXIT_PROBLEMS : EXIT_SUCCESS;
}
