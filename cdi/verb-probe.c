/* gpucdi probe [--json]: the GPUs, their device nodes and driver. */
#include "probe-print.h"
#include "verb.h"

static void help(void) {
        fputs("Usage: gpucdi probe [--json] [HOST OPTIONS]\n"
              "\n"
              "List the GPUs of this host (NVIDIA, AMD, Intel and render-node GPUs), their device nodes\n"
              "as the kernel registered them, and the NVIDIA driver: what gpucdi generate would put in\n"
              "the specs.\n"
              "\n"
              "  --json                print JSON for programs (schema in gpucdi-probe(1))\n"
              "  -h, --help            print this help\n"
              "  --version             print the version\n"
              "\n"
              ROOT_OPTIONS_HELP, stdout);
        exit_status_print(stdout, exit_status_probe);
}

int verb_probe(int argc, char *argv[]) {
        enum { OPT_JSON = OPT_FIRST_OWN };
        static const struct option opts[] = {
                ROOT_OPTIONS,
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        /* Parsed options live until exit (the roots are allocated). */
        static struct root_options o = ROOT_OPTIONS_INIT;
        bool json = false;
        int c, ret = -1;
        while ((c = verb_getopt(argc, argv, "probe", opts, help, &ret)) >= 0) {
                int r = parse_root_option("probe", c, optarg, &o);
                if (r < 0)
                        return EXIT_USAGE;
                if (r == 0 && c == OPT_JSON)
                        json = true;
        }
        if (ret >= 0)
                return ret;
        if (optind < argc)
                return usage_error("probe", "takes no arguments ('%s')", argv[optind]);

        _cleanup_(host_freep) struct host *h = NULL;
        int r = probe_host(&o.roots, &h);
        if (r < 0)
                return r == -ENOMEM ? EXIT_FAILURE : EXIT_HOST_DATA;
        r = json ? host_print_json(h, stdout) : host_print_table(h, stdout);
        if (r < 0 || fflush(stdout) != 0)
                return EXIT_FAILURE;
        return EXIT_SUCCESS;
}
